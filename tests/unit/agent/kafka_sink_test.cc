#include "agent/kafka_sink.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <sstream>
#include <vector>

#include "agent/tail.h"
#include "kafka_test_util.h"

namespace cdc::agent {
namespace {

using testing::Lsn;
using testing::MockKafka;
using testing::RowEvent;

constexpr char kTopic[] = "cdc.public.t";
constexpr int16_t kProduceApiKey = 0;

class KafkaSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { mock_.CreateTopic(kTopic, 3); }

  // At least once: positions are reported as their events are acknowledged.
  KafkaConfig Config() {
    KafkaConfig config;
    config.brokers = mock_.brokers();
    config.exactly_once = false;
    return config;
  }

  std::unique_ptr<KafkaSink> MakeSink(const KafkaConfig& config) {
    auto sink = NewKafkaSink(config, [this](const offsets::Position& p, uint64_t) { durable_.push_back(p); });
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    return sink.ok() ? std::move(sink).value() : nullptr;
  }

  // Polls `sink` until `done` holds, a Poll fails (its status is returned)
  // or 10 s pass.
  static Status PollUntil(KafkaSink& sink, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      Status s = sink.Poll(100);
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

  static Batch MakeBatch(int first_id, int events, std::optional<uint64_t> end_lsn) {
    Batch batch;
    for (int i = 0; i < events; ++i) {
      batch.events.push_back(RowEvent(kTopic, cdc::v1::OP_INSERT, first_id + i));
    }
    if (end_lsn) batch.end_position = Lsn(*end_lsn);
    return batch;
  }

  // Reads every message of `topic` back (until 3 s pass without one).
  std::vector<google::protobuf::Struct> ReadBack(const std::string& topic) {
    TailOptions options;
    options.brokers = mock_.brokers();
    options.topic = topic;
    options.from_beginning = true;
    options.idle_timeout_ms = 3000;
    std::ostringstream out;
    std::atomic<bool> stop{false};
    Status s = Tail(options, out, stop);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<google::protobuf::Struct> lines;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) {
      google::protobuf::Struct parsed;
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) << line;
      lines.push_back(parsed);
    }
    return lines;
  }

  MockKafka mock_;
  std::vector<offsets::Position> durable_;
};

TEST_F(KafkaSinkTest, AcknowledgedBatchesReportTheirPositionsInOrder) {
  auto sink = MakeSink(Config());
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 2, 100)).ok());
  ASSERT_TRUE(sink->Send(MakeBatch(3, 1, std::nullopt)).ok());
  ASSERT_TRUE(sink->Send(MakeBatch(4, 3, 300)).ok());
  ASSERT_TRUE(sink->Send(MakeBatch(7, 0, 400)).ok());
  EXPECT_EQ(sink->in_flight(), 6u);
  EXPECT_TRUE(durable_.empty()) << "durable positions are reported from Poll/Flush only";

  Status s = sink->Flush(10000);
  ASSERT_TRUE(s.ok()) << s.ToString();
  // The batches are acknowledged together: the last position stands for all.
  EXPECT_EQ(durable_, std::vector<offsets::Position>{Lsn(400)});
  EXPECT_EQ(sink->in_flight(), 0u);
  EXPECT_EQ(sink->events_acked(), 6u);
}

// Each report is a synced write of the offsets store: Poll reports the
// latest acknowledged position at most every commit_interval_ms; Flush
// reports it at once.
TEST_F(KafkaSinkTest, PollReportsAtMostOncePerCommitInterval) {
  KafkaConfig config = Config();
  config.commit_interval_ms = 60000;
  auto sink = MakeSink(config);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 2, 10)).ok());
  ASSERT_TRUE(PollUntil(*sink, [&] { return !durable_.empty(); }).ok());
  ASSERT_EQ(durable_, std::vector<offsets::Position>{Lsn(10)}) << "the first report waits for none";

  ASSERT_TRUE(sink->Send(MakeBatch(3, 2, 20)).ok());
  ASSERT_TRUE(sink->Send(MakeBatch(5, 2, 30)).ok());
  ASSERT_TRUE(PollUntil(*sink, [&] { return sink->in_flight() == 0; }).ok());
  ASSERT_EQ(sink->in_flight(), 0u);
  ASSERT_TRUE(sink->Poll(100).ok());
  EXPECT_EQ(durable_, std::vector<offsets::Position>{Lsn(10)})
      << "acknowledged within the interval: not reported yet";

  ASSERT_TRUE(sink->Flush(10000).ok());
  EXPECT_EQ(durable_, (std::vector<offsets::Position>{Lsn(10), Lsn(30)}));
}

// A stop after a failure does not Flush: what Kafka acknowledged before the
// failed batch is still reported, and nothing of or after that batch.
TEST_F(KafkaSinkTest, ReportAcknowledgedAfterAFailureStopsAtTheFailedBatch) {
  KafkaConfig config = Config();
  config.commit_interval_ms = 60000;
  auto sink = MakeSink(config);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 1, 10)).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());
  ASSERT_EQ(durable_, std::vector<offsets::Position>{Lsn(10)});

  ASSERT_TRUE(sink->Send(MakeBatch(2, 1, 20)).ok());
  ASSERT_TRUE(PollUntil(*sink, [&] { return sink->in_flight() == 0; }).ok());
  ASSERT_EQ(sink->in_flight(), 0u);
  rd_kafka_mock_push_request_errors(mock_.cluster(), kProduceApiKey, 1,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  ASSERT_TRUE(sink->Send(MakeBatch(3, 1, 30)).ok());
  ASSERT_FALSE(PollUntil(*sink, [] { return false; }).ok()) << "the third batch fails";
  EXPECT_EQ(durable_, std::vector<offsets::Position>{Lsn(10)}) << "within the interval";

  sink->ReportAcknowledged();
  EXPECT_EQ(durable_, (std::vector<offsets::Position>{Lsn(10), Lsn(20)}));
}

TEST_F(KafkaSinkTest, PollReportsPositionsAsTheyBecomeDurable) {
  auto sink = MakeSink(Config());
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 5, 42)).ok());
  ASSERT_TRUE(PollUntil(*sink, [&] { return !durable_.empty(); }).ok());
  EXPECT_EQ(durable_, std::vector<offsets::Position>{Lsn(42)});
  EXPECT_EQ(sink->events_acked(), 5u);
}

TEST_F(KafkaSinkTest, FullQueueBlocksUntilDeliveriesMakeRoom) {
  KafkaConfig config = Config();
  config.properties["queue.buffering.max.messages"] = "10";
  auto sink = MakeSink(config);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 500, 7)).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());
  EXPECT_EQ(sink->events_acked(), 500u);
  EXPECT_EQ(durable_, std::vector<offsets::Position>{Lsn(7)});
}

// librdkafka's queue is bounded by bytes as well (8 MiB unless the
// messages may be larger): a message of message.max.bytes still fits in it
// whole, or librdkafka would report a full queue for it forever.
TEST_F(KafkaSinkTest, AnEventLargerThanTheDefaultQueueBoundIsDelivered) {
  KafkaConfig config = Config();
  config.properties["message.max.bytes"] = "20000000";
  auto sink = MakeSink(config);
  ASSERT_NE(sink, nullptr);
  Batch batch;
  OutEvent event = RowEvent(kTopic, cdc::v1::OP_INSERT, 1);
  cdc::v1::Column* doc = event.event.add_after();
  doc->set_name("doc");
  doc->set_type("text");
  doc->mutable_value()->set_text_value(std::string(17 * 1000 * 1000, 'x'));  // > 16 MiB
  batch.events.push_back(std::move(event));
  batch.end_position = Lsn(3);
  ASSERT_TRUE(sink->Send(std::move(batch)).ok());
  Status s = sink->Flush(10000);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(sink->events_acked(), 1u);
  EXPECT_EQ(durable_, std::vector<offsets::Position>{Lsn(3)});
}

TEST_F(KafkaSinkTest, PropertiesArePassedToLibrdkafka) {
  KafkaConfig config;  // no brokers: the property below makes a cluster of its own
  config.exactly_once = false;
  config.properties["test.mock.num.brokers"] = "1";
  auto sink = MakeSink(config);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 2, 9)).ok());
  Status s = sink->Flush(10000);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(durable_, std::vector<offsets::Position>{Lsn(9)});
}

TEST_F(KafkaSinkTest, DeliveryTimeoutFailsTheBatchAndEveryLaterOne) {
  KafkaConfig config = Config();
  config.delivery_timeout_ms = 1000;
  auto sink = MakeSink(config);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 2, 1)).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());
  ASSERT_EQ(durable_, std::vector<offsets::Position>{Lsn(1)});

  rd_kafka_mock_broker_set_down(mock_.cluster(), 1);
  ASSERT_TRUE(sink->Send(MakeBatch(3, 2, 2)).ok());
  ASSERT_TRUE(sink->Send(MakeBatch(5, 2, 3)).ok());
  const std::string expected =
      "kafka delivery failed for topic cdc.public.t: Local: Message timed out; "
      "check that the brokers in kafka.brokers are up";
  Status s = sink->Flush(10000);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(s.retryable()) << "an outage passes: the agent starts again from its position";
  EXPECT_EQ(s.message(), expected);
  EXPECT_EQ(durable_, std::vector<offsets::Position>{Lsn(1)});

  // The failure sticks: the caller must stop and let the source replay.
  rd_kafka_mock_broker_set_up(mock_.cluster(), 1);
  EXPECT_EQ(sink->Poll(100).message(), expected);
  EXPECT_EQ(sink->Send(MakeBatch(7, 1, 4)).message(), expected);
  EXPECT_EQ(sink->Flush(5000).message(), expected);
  EXPECT_EQ(durable_, std::vector<offsets::Position>{Lsn(1)});
}

TEST_F(KafkaSinkTest, BrokerErrorFailsTheBatchWithoutReportingIt) {
  auto sink = MakeSink(Config());
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 1, 10)).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());

  rd_kafka_mock_push_request_errors(mock_.cluster(), kProduceApiKey, 1,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  ASSERT_TRUE(sink->Send(MakeBatch(2, 1, 20)).ok());
  Status s = sink->Flush(10000);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_FALSE(s.retryable());
  EXPECT_EQ(s.message(),
            "kafka delivery failed for topic cdc.public.t: Broker: Topic authorization failed; "
            "grant the agent's Kafka principal Write on the topic and IdempotentWrite on the "
            "cluster");
  EXPECT_EQ(durable_, std::vector<offsets::Position>{Lsn(10)});
  EXPECT_EQ(sink->events_acked(), 1u);
}

// An out-of-order sequence number is fatal for an idempotent producer.
TEST_F(KafkaSinkTest, FatalProducerErrorStopsTheSink) {
  auto sink = MakeSink(Config());
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 1, 10)).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());

  rd_kafka_mock_push_request_errors(mock_.cluster(), kProduceApiKey, 1,
                                    RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
  ASSERT_TRUE(sink->Send(MakeBatch(2, 1, 20)).ok());
  Status s = sink->Flush(10000);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_FALSE(s.retryable());
  EXPECT_NE(s.message().find("Broker: Broker received an out of order sequence number"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(sink->Send(MakeBatch(3, 1, 30)).message(), s.message());
  EXPECT_EQ(durable_, std::vector<offsets::Position>{Lsn(10)});
}

TEST_F(KafkaSinkTest, FlushTimeoutIsRetryable) {
  auto sink = MakeSink(Config());
  ASSERT_NE(sink, nullptr);
  rd_kafka_mock_broker_set_down(mock_.cluster(), 1);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 3, 5)).ok());
  Status s = sink->Flush(300);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(s.retryable());
  EXPECT_EQ(s.message(),
            "kafka: 3 events not acknowledged within 300 ms; "
            "check that the brokers in kafka.brokers are up");
  EXPECT_TRUE(durable_.empty());

  rd_kafka_mock_broker_set_up(mock_.cluster(), 1);
  s = sink->Flush(10000);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(durable_, std::vector<offsets::Position>{Lsn(5)});
}

// Counts the messages read back whose value is null (tombstones) and checks
// that each follows the delete of the same key.
int CountTombstones(const std::vector<google::protobuf::Struct>& lines) {
  int tombstones = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& value = lines[i].fields().at("value");
    if (value.kind_case() != google::protobuf::Value::kNullValue) continue;
    ++tombstones;
    EXPECT_GT(i, 0u);
    if (i == 0) continue;
    EXPECT_EQ(lines[i - 1].fields().at("value").struct_value().fields().at("op").string_value(),
              "OP_DELETE");
    EXPECT_EQ(lines[i - 1].fields().at("key").DebugString(),
              lines[i].fields().at("key").DebugString());
  }
  return tombstones;
}

Batch DeletesBatch(const std::string& topic) {
  Batch batch;
  batch.events.push_back(RowEvent(topic, cdc::v1::OP_INSERT, 1));
  batch.events.push_back(RowEvent(topic, cdc::v1::OP_DELETE, 1));
  batch.events.push_back(RowEvent(topic, cdc::v1::OP_DELETE, 2, /*keyed=*/false));
  batch.events.push_back(RowEvent(topic, cdc::v1::OP_UPDATE, 3));
  batch.end_position = Lsn(50);
  return batch;
}

TEST_F(KafkaSinkTest, TombstoneFollowsEachKeyedDeleteWhenConfigured) {
  mock_.CreateTopic("tomb.on", 1);
  auto sink = MakeSink(Config());
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(DeletesBatch("tomb.on")).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());
  EXPECT_EQ(sink->events_acked(), 4u) << "tombstones are not counted as events";
  const auto lines = ReadBack("tomb.on");
  EXPECT_EQ(lines.size(), 5u);
  EXPECT_EQ(CountTombstones(lines), 1);
}

TEST_F(KafkaSinkTest, NoTombstonesWhenDisabled) {
  mock_.CreateTopic("tomb.off", 1);
  KafkaConfig config = Config();
  config.tombstones = false;
  auto sink = MakeSink(config);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(DeletesBatch("tomb.off")).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());
  const auto lines = ReadBack("tomb.off");
  EXPECT_EQ(lines.size(), 4u);
  EXPECT_EQ(CountTombstones(lines), 0);
}

std::string Field(const google::protobuf::Struct& line, const std::string& name) {
  auto it = line.fields().find(name);
  return it == line.fields().end() ? "" : it->second.string_value();
}

const google::protobuf::Struct& Headers(const google::protobuf::Struct& line) {
  static const google::protobuf::Struct kNone;
  auto it = line.fields().find("headers");
  return it == line.fields().end() ? kNone : it->second.struct_value();
}

TEST_F(KafkaSinkTest, EventMessagesCarryHeaders) {
  mock_.CreateTopic("hdr", 1);
  auto sink = MakeSink(Config());
  ASSERT_NE(sink, nullptr);
  Batch batch;
  batch.events.push_back(RowEvent("hdr", cdc::v1::OP_INSERT, 1));
  batch.events.back().event.mutable_source()->mutable_postgres()->set_lsn(0x16B3748);
  batch.events.back().event.mutable_source()->mutable_postgres()->set_commit_lsn(0x100000016B3790);
  batch.events.push_back(RowEvent("hdr", cdc::v1::OP_DELETE, 1));
  OutEvent& my = batch.events.emplace_back(RowEvent("hdr", cdc::v1::OP_UPDATE, 2));
  my.event.mutable_source()->set_kind(cdc::v1::SOURCE_KIND_MARIADB);
  my.event.mutable_source()->mutable_mysql()->set_file("binlog.000010");
  my.event.mutable_source()->mutable_mysql()->set_pos(559);
  my.event.mutable_source()->mutable_mysql()->set_gtid("0-1-13563");
  ASSERT_TRUE(sink->Send(std::move(batch)).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());
  const auto lines = ReadBack("hdr");
  ASSERT_EQ(lines.size(), 4u);
  const auto& insert = Headers(lines[0]);
  EXPECT_EQ(Field(insert, "content-type"), "application/x-protobuf");
  EXPECT_EQ(Field(insert, "cdc-schema"), "cdc.v1.ChangeEvent");
  EXPECT_EQ(Field(insert, "cdc-op"), "insert");
  EXPECT_EQ(Field(insert, "cdc-position"), "lsn=0/16B3748;commit_lsn=100000/16B3790;index=0");
  EXPECT_EQ(Field(Headers(lines[1]), "cdc-op"), "delete");
  EXPECT_EQ(Headers(lines[2]).fields_size(), 1) << "the tombstone has its content type alone";
  EXPECT_EQ(Field(Headers(lines[2]), "content-type"), "application/x-protobuf");
  EXPECT_EQ(Field(Headers(lines[3]), "cdc-op"), "update");
  EXPECT_EQ(Field(Headers(lines[3]), "cdc-position"), "file=binlog.000010;pos=559;gtid=0-1-13563;index=0");
}

TEST_F(KafkaSinkTest, TruncateGoesToEveryPartitionAndCountsOnce) {
  mock_.CreateTopic("trunc", 4);
  auto sink = MakeSink(Config());
  ASSERT_NE(sink, nullptr);
  Batch batch;
  for (int id = 1; id <= 20; ++id) batch.events.push_back(RowEvent("trunc", cdc::v1::OP_INSERT, id));
  OutEvent& truncate = batch.events.emplace_back();
  truncate.topic = "trunc";
  truncate.event.set_op(cdc::v1::OP_TRUNCATE);
  truncate.event.mutable_source()->set_table("t");
  batch.events.push_back(RowEvent("trunc", cdc::v1::OP_INSERT, 21));
  batch.end_position = Lsn(70);
  ASSERT_TRUE(sink->Send(std::move(batch)).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());
  EXPECT_EQ(sink->events_acked(), 22u) << "the copies of the TRUNCATE count as one event";
  ASSERT_EQ(durable_.size(), 1u);
  const auto lines = ReadBack("trunc");
  ASSERT_EQ(lines.size(), 25u);
  std::map<int, int> truncates;  // partition -> TRUNCATE messages
  for (const auto& line : lines) {
    const int partition = static_cast<int>(line.fields().at("partition").number_value());
    const auto& value = line.fields().at("value").struct_value();
    if (value.fields().at("op").string_value() == "OP_TRUNCATE") {
      ++truncates[partition];
      // A key without columns: compacted topics refuse null keys.
      ASSERT_EQ(line.fields().at("key").kind_case(), google::protobuf::Value::kStructValue);
      EXPECT_EQ(line.fields().at("key").struct_value().fields_size(), 0);
      EXPECT_EQ(Field(Headers(line), "cdc-op"), "truncate");
    }
  }
  EXPECT_EQ(truncates, (std::map<int, int>{{0, 1}, {1, 1}, {2, 1}, {3, 1}}));
  // Within each partition, the TRUNCATE comes after the rows sent before it
  // and before the row sent after it.
  std::map<int, std::vector<std::string>> ops;
  for (const auto& line : lines) {
    const int partition = static_cast<int>(line.fields().at("partition").number_value());
    ops[partition].push_back(line.fields().at("value").struct_value().fields().at("op").string_value());
  }
  for (auto& [partition, list] : ops) {
    auto t = std::find(list.begin(), list.end(), "OP_TRUNCATE");
    ASSERT_NE(t, list.end());
    const auto after = static_cast<size_t>(list.end() - t - 1);
    EXPECT_LE(after, 1u) << "partition " << partition;
  }
}

TEST_F(KafkaSinkTest, JsonFormatWritesJsonWithItsContentType) {
  mock_.CreateTopic("json.t", 1);
  KafkaConfig config = Config();
  config.format = EventFormat::kJson;
  auto sink = MakeSink(config);
  ASSERT_NE(sink, nullptr);
  Batch batch;
  batch.events.push_back(RowEvent("json.t", cdc::v1::OP_INSERT, 7));
  ASSERT_TRUE(sink->Send(std::move(batch)).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());
  const auto lines = ReadBack("json.t");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(Field(Headers(lines[0]), "content-type"), "application/json");
  // tail prints a JSON message as it is: the value is the event's JSON.
  const auto& value = lines[0].fields().at("value").struct_value();
  EXPECT_EQ(value.fields().at("op").string_value(), "OP_INSERT");
  const auto& key = lines[0].fields().at("key").struct_value();
  EXPECT_EQ(key.fields().at("columns").list_value().values(0).struct_value().fields().at("name")
                .string_value(),
            "id");
}

// Starts a sink with `properties` (no broker needed at least once); its
// status.
Status StartWith(const std::map<std::string, std::string>& properties) {
  KafkaConfig config;
  config.brokers = "127.0.0.1:9092";
  config.exactly_once = false;
  config.properties = properties;
  return NewKafkaSink(config, [](const offsets::Position&, uint64_t) {}).status();
}

TEST(KafkaSinkConfigTest, UnknownPropertyNamesTheKey) {
  Status s = StartWith({{"no.such.property", "1"}});
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(s.message(),
            "kafka.properties.no.such.property: No such configuration property: "
            "\"no.such.property\"");
}

TEST(KafkaSinkConfigTest, BadPropertyValueNamesTheKey) {
  Status s = StartWith({{"compression.type", "rar"}});
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(s.message().starts_with(
      "kafka.properties.compression.type: Invalid value \"rar\" for configuration property"))
      << s.message();
}

TEST(KafkaSinkConfigTest, AQueueTooSmallForOneMessageIsRefused) {
  Status s = StartWith({{"queue.buffering.max.kbytes", "512"}});
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(s.message(),
            "kafka.properties.queue.buffering.max.kbytes: 512 KB cannot hold one message of "
            "message.max.bytes (1048588 bytes); set it to at least 1025, or leave it out for "
            "the agent's bound");
  Status enough = StartWith({{"queue.buffering.max.kbytes", "1025"}});
  EXPECT_TRUE(enough.ok()) << enough.ToString();
}

TEST(KafkaCheckTest, MockBrokerAnswers) {
  MockKafka mock;
  KafkaConfig config;
  config.brokers = mock.brokers();
  Status s = CheckKafkaReachable(config, 5000);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(KafkaCheckTest, ClosedPortIsReportedWithTheFix) {
  testing::ClosedPort port;
  KafkaConfig config;
  config.brokers = port.address();
  Status s = CheckKafkaReachable(config, 1500);
  EXPECT_TRUE(s.IsIOError());
  EXPECT_EQ(s.message(),
            "kafka: no broker of '" + port.address() +
                "' answered within 1.5s: check kafka.brokers and that Kafka is running");
}

}  // namespace
}  // namespace cdc::agent
