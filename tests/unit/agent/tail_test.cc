#include "agent/tail.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <sstream>
#include <thread>
#include <vector>

#include "agent/kafka_sink.h"
#include "kafka_test_util.h"

namespace cdc::agent {
namespace {

using google::protobuf::Struct;
using testing::Lsn;
using testing::MockKafka;
using testing::RowEvent;

class TailTest : public ::testing::Test {
 protected:
  void SetUp() override { mock_.CreateTopic("t", 1); }

  // Publishes `batch` with the sink and waits until it is acknowledged.
  void Publish(Batch batch) {
    KafkaConfig config;
    config.brokers = mock_.brokers();
    config.exactly_once = false;
    auto sink = NewKafkaSink(config, [](const offsets::Position&, uint64_t) {});
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    ASSERT_TRUE((*sink)->Send(std::move(batch)).ok());
    Status s = (*sink)->Flush(10000);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Produces raw bytes, not a ChangeEvent.
  void PublishRaw(const std::string& value) {
    std::string errstr;
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    ASSERT_EQ(conf->set("bootstrap.servers", mock_.brokers(), errstr), RdKafka::Conf::CONF_OK);
    std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), errstr));
    ASSERT_NE(producer, nullptr) << errstr;
    ASSERT_EQ(producer->produce("t", 0, RdKafka::Producer::RK_MSG_COPY,
                                const_cast<char*>(value.data()), value.size(), nullptr, 0, 0,
                                nullptr),
              RdKafka::ERR_NO_ERROR);
    ASSERT_EQ(producer->flush(10000), RdKafka::ERR_NO_ERROR);
  }

  TailOptions Options() {
    TailOptions options;
    options.brokers = mock_.brokers();
    options.topic = "t";
    options.from_beginning = true;
    options.idle_timeout_ms = 3000;
    return options;
  }

  static std::vector<Struct> Parse(const std::string& text) {
    std::vector<Struct> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      Struct parsed;
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) << line;
      lines.push_back(parsed);
    }
    return lines;
  }

  static const google::protobuf::Value& Field(const Struct& s, const std::string& name) {
    static const google::protobuf::Value kMissing;
    auto it = s.fields().find(name);
    return it == s.fields().end() ? kMissing : it->second;
  }

  MockKafka mock_;
  std::atomic<bool> stop_{false};
};

Batch SampleBatch() {
  Batch batch;
  batch.events.push_back(RowEvent("t", cdc::v1::OP_INSERT, 1));
  batch.events.push_back(RowEvent("t", cdc::v1::OP_UPDATE, 2));
  batch.events.push_back(RowEvent("t", cdc::v1::OP_DELETE, 1));  // + tombstone
  batch.events.push_back(RowEvent("t", cdc::v1::OP_INSERT, 9, /*keyed=*/false));
  batch.end_position = Lsn(1);
  return batch;
}

TEST_F(TailTest, PrintsEveryMessageAsOneJsonLine) {
  Publish(SampleBatch());
  std::ostringstream out;
  Status s = Tail(Options(), out, stop_);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const auto lines = Parse(out.str());
  ASSERT_EQ(lines.size(), 5u) << out.str();

  const char* ops[] = {"OP_INSERT", "OP_UPDATE", "OP_DELETE", nullptr, "OP_INSERT"};
  for (size_t i = 0; i < lines.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(Field(lines[i], "topic").string_value(), "t");
    EXPECT_EQ(Field(lines[i], "partition").number_value(), 0);
    EXPECT_EQ(Field(lines[i], "offset").number_value(), static_cast<double>(i));
    const auto& value = Field(lines[i], "value");
    if (ops[i] == nullptr) {
      EXPECT_EQ(value.kind_case(), google::protobuf::Value::kNullValue);
    } else {
      EXPECT_EQ(Field(value.struct_value(), "op").string_value(), ops[i]);
    }
  }
  // Keys: id 1, 2, 1, 1 (the tombstone's), then the keyless row.
  const char* key_ids[] = {"1", "2", "1", "1"};
  for (size_t i = 0; i < 4; ++i) {
    const auto& columns = Field(Field(lines[i], "key").struct_value(), "columns").list_value();
    ASSERT_EQ(columns.values_size(), 1) << i;
    const auto& column = columns.values(0).struct_value();
    EXPECT_EQ(Field(column, "name").string_value(), "id");
    EXPECT_EQ(Field(Field(column, "value").struct_value(), "int_value").string_value(), key_ids[i]);
  }
  EXPECT_EQ(Field(lines[4], "key").kind_case(), google::protobuf::Value::kNullValue);
  // The whole line is the envelope plus EventToJson's form.
  EXPECT_NE(out.str().find(R"({"topic":"t","partition":0,"offset":0,"headers":{"content-type":)"
                           R"("application/x-protobuf","cdc-schema":"cdc.v1.ChangeEvent","cdc-op":)"
                           R"("insert","cdc-position":""},"key":{"columns":[)"),
            std::string::npos)
      << out.str();
  // A tombstone carries the content type alone.
  EXPECT_EQ(Field(Field(lines[3], "headers").struct_value(), "content-type").string_value(),
            "application/x-protobuf");
  EXPECT_EQ(Field(lines[3], "headers").struct_value().fields_size(), 1);
}

TEST_F(TailTest, ForeignValueIsReportedAndTheTailGoesOn) {
  PublishRaw("not protobuf");
  Publish(SampleBatch());
  std::ostringstream out;
  ASSERT_TRUE(Tail(Options(), out, stop_).ok());
  const auto lines = Parse(out.str());
  ASSERT_EQ(lines.size(), 6u) << out.str();
  EXPECT_EQ(Field(lines[0], "value").kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_EQ(Field(lines[0], "value_error").string_value(),
            "not a cdc.v1.ChangeEvent (12 bytes)");
  EXPECT_EQ(Field(Field(lines[1], "value").struct_value(), "op").string_value(), "OP_INSERT");
}

TEST_F(TailTest, StopsAfterMaxMessages) {
  Publish(SampleBatch());
  TailOptions options = Options();
  options.max_messages = 2;
  options.idle_timeout_ms = -1;
  std::ostringstream out;
  ASSERT_TRUE(Tail(options, out, stop_).ok());
  EXPECT_EQ(Parse(out.str()).size(), 2u);
}

TEST_F(TailTest, WithoutFromBeginningShowsOnlyNewMessages) {
  Publish(SampleBatch());  // offsets 0..4
  TailOptions options = Options();
  options.from_beginning = false;
  options.max_messages = 1;
  options.idle_timeout_ms = 20000;
  std::ostringstream out;
  Status status;
  std::atomic<bool> done{false};
  std::thread tail([&] {
    status = Tail(options, out, stop_);
    done = true;
  });
  // The tail starts at the end once its assignment is in place; publish
  // until it has seen something.
  for (int id = 100; !done && id < 120; ++id) {
    Batch later;
    later.events.push_back(RowEvent("t", cdc::v1::OP_INSERT, id));
    Publish(std::move(later));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  tail.join();
  ASSERT_TRUE(status.ok()) << status.ToString();
  const auto lines = Parse(out.str());
  ASSERT_EQ(lines.size(), 1u) << out.str();
  EXPECT_GE(Field(lines[0], "offset").number_value(), 5);
}

TEST_F(TailTest, StopFlagEndsAnEndlessTail) {
  TailOptions options = Options();
  options.idle_timeout_ms = -1;
  std::ostringstream out;
  Status status = Status::IOError("not run");
  const auto start = std::chrono::steady_clock::now();
  std::thread tail([&] { status = Tail(options, out, stop_); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop_ = true;
  tail.join();
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(out.str(), "");
}

// A consumer of `group` that never joins it: it only reads and writes the
// group's committed offsets.
std::unique_ptr<RdKafka::KafkaConsumer> OffsetsClient(const std::string& brokers,
                                                      const std::string& group) {
  std::string errstr;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", brokers, errstr);
  conf->set("group.id", group, errstr);
  return std::unique_ptr<RdKafka::KafkaConsumer>(
      RdKafka::KafkaConsumer::create(conf.get(), errstr));
}

TEST_F(TailTest, GroupStartsAtCommittedOffsetAndCommitsWhatItPrinted) {
  Publish(SampleBatch());
  auto client = OffsetsClient(mock_.brokers(), "tail-group");
  ASSERT_NE(client, nullptr);
  std::vector<RdKafka::TopicPartition*> offsets{RdKafka::TopicPartition::create("t", 0, 3)};
  ASSERT_EQ(client->commitSync(offsets), RdKafka::ERR_NO_ERROR);

  TailOptions options = Options();
  options.group_id = "tail-group";
  options.max_messages = 2;
  options.idle_timeout_ms = 20000;  // the first join takes a few seconds
  std::ostringstream out;
  Status s = Tail(options, out, stop_);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const auto lines = Parse(out.str());
  ASSERT_EQ(lines.size(), 2u) << out.str();
  EXPECT_EQ(Field(lines[0], "offset").number_value(), 3);
  EXPECT_EQ(Field(lines[1], "offset").number_value(), 4);

  offsets[0]->set_offset(RdKafka::Topic::OFFSET_INVALID);
  ASSERT_EQ(client->committed(offsets, 5000), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(offsets[0]->offset(), 5);
  RdKafka::TopicPartition::destroy(offsets);
  client->close();
}

TEST_F(TailTest, TopicCreatedLaterIsReadFromItsStart) {
  TailOptions options = Options();
  options.topic = "late";
  options.from_beginning = false;
  options.max_messages = 1;
  options.idle_timeout_ms = 20000;
  std::ostringstream out;
  Status status;
  std::thread tail([&] { status = Tail(options, out, stop_); });
  // The tail must have looked the topic up and found nothing: were the topic
  // there first, a tail without from_beginning would start at its end and
  // rightly skip the message (seen on a loaded machine with 500 ms).
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  mock_.CreateTopic("late", 1);
  Batch batch;
  batch.events.push_back(RowEvent("late", cdc::v1::OP_INSERT, 5));
  Publish(std::move(batch));
  tail.join();
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(Parse(out.str()).size(), 1u) << out.str();
}

TEST_F(TailTest, TopicThatNeverExistedIsOneLineError) {
  mock_.MakeTopicUnknown("nope");
  for (const std::string group : {"", "tail-missing"}) {
    SCOPED_TRACE(group.empty() ? "assigned" : "group");
    TailOptions options = Options();
    options.topic = "nope";
    options.group_id = group;
    options.idle_timeout_ms = 1500;
    std::ostringstream out;
    Status s = Tail(options, out, stop_);
    EXPECT_TRUE(s.IsNotFound()) << s.ToString();
    EXPECT_EQ(s.message(), "topic 'nope' does not exist on " + mock_.brokers() +
                               "; check --topic (topics are <prefix>.<schema>.<table>)");
    EXPECT_EQ(out.str(), "");
  }
}

TEST_F(TailTest, StopWhileWaitingForAMissingTopicSaysSo) {
  mock_.MakeTopicUnknown("nope");
  TailOptions options = Options();
  options.topic = "nope";
  options.idle_timeout_ms = -1;
  std::ostringstream out;
  Status status;
  std::thread tail([&] { status = Tail(options, out, stop_); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop_ = true;
  tail.join();
  EXPECT_TRUE(status.IsNotFound()) << status.ToString();
}

TEST_F(TailTest, EmptyExistingTopicIsNoError) {
  TailOptions options = Options();
  options.idle_timeout_ms = 1000;
  std::ostringstream out;
  Status s = Tail(options, out, stop_);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out.str(), "");
}

TEST(TailUnreachableTest, ClosedPortIsOneLineError) {
  testing::ClosedPort port;
  TailOptions options;
  options.brokers = port.address();
  options.topic = "t";
  options.idle_timeout_ms = 1000;
  std::ostringstream out;
  std::atomic<bool> stop{false};
  Status s = Tail(options, out, stop);
  EXPECT_TRUE(s.IsIOError());
  EXPECT_EQ(s.message(), "kafka: no broker of '" + port.address() +
                             "' answered within 1s: check --brokers and that Kafka is running");
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace cdc::agent
