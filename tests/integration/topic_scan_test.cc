// TopicEndOffsets and UntouchedLiveKeys against the real broker: records
// published with explicit partitions and cdc-op headers by plain and
// transactional producers, before and after a mark, and a topic that does
// not exist (and must not be created by looking at it). Then the offsets
// topic: the settings it is created with, and a read of one far larger
// than the reading clients' fetches.
#include "agent/topic_scan.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent/kafka_admin.h"
#include "agent/kafka_offsets.h"
#include "tests/integration/harness.h"

namespace cdc::itest {
namespace {

using namespace std::chrono_literals;

constexpr int kTimeoutMs = 30000;

// One record; a key or value of nullopt is null, an empty op sends no
// cdc-op header.
struct Record {
  int32_t partition = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::string op;
};

Record Live(int32_t partition, const std::string& key, const std::string& op = "insert") {
  return {partition, key, "row " + key, op};
}
Record Tombstone(int32_t partition, const std::string& key) {
  return {partition, key, std::nullopt, ""};
}
Record Deleted(int32_t partition, const std::string& key) {
  return {partition, key, "before image of " + key, "delete"};
}
Record Truncate(int32_t partition, const std::string& key) {
  return {partition, key, "truncate", "truncate"};
}

class DeliveryErrors : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    if (message.err() != RdKafka::ERR_NO_ERROR) errors.push_back(message.errstr());
  }
  std::vector<std::string> errors;
};

// A producer of the test broker, plain or (with a transactional.id)
// transactional. Failures are reported to gtest and return false.
class TestProducer {
 public:
  TestProducer(const std::string& brokers, const std::string& transactional_id = "") {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string err;
    std::vector<std::pair<std::string, std::string>> settings = {
        {"bootstrap.servers", brokers}, {"enable.idempotence", "true"}, {"acks", "all"}};
    if (!transactional_id.empty()) settings.emplace_back("transactional.id", transactional_id);
    for (const auto& [key, value] : settings) {
      if (conf->set(key, value, err) != RdKafka::Conf::CONF_OK) {
        ADD_FAILURE() << key << ": " << err;
        return;
      }
    }
    if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(&delivery_), err) !=
        RdKafka::Conf::CONF_OK) {
      ADD_FAILURE() << err;
      return;
    }
    producer_.reset(RdKafka::Producer::create(conf.get(), err));
    if (!producer_) {
      ADD_FAILURE() << "cannot create a producer: " << err;
      return;
    }
    if (!transactional_id.empty()) Check(producer_->init_transactions(kTimeoutMs));
  }

  ~TestProducer() {
    if (producer_) producer_->flush(kTimeoutMs);
  }

  bool ok() const { return producer_ != nullptr; }
  rd_kafka_t* handle() { return producer_->c_ptr(); }

  bool Produce(const std::string& topic, const Record& r) {
    RdKafka::Headers* headers = nullptr;
    if (!r.op.empty()) {
      headers = RdKafka::Headers::create();
      headers->add("cdc-op", r.op);
    }
    const RdKafka::ErrorCode err = producer_->produce(
        topic, r.partition, RdKafka::Producer::RK_MSG_COPY,
        r.value ? const_cast<char*>(r.value->data()) : nullptr, r.value ? r.value->size() : 0,
        r.key ? r.key->data() : nullptr, r.key ? r.key->size() : 0, 0, headers, nullptr);
    if (err != RdKafka::ERR_NO_ERROR) {
      delete headers;  // owned by librdkafka only on success
      ADD_FAILURE() << "produce to " << topic << " [" << r.partition
                    << "]: " << RdKafka::err2str(err);
      return false;
    }
    return true;
  }

  bool ProduceAll(const std::string& topic, const std::vector<Record>& records) {
    for (const Record& r : records) {
      if (!Produce(topic, r)) return false;
    }
    return Flush();
  }

  // Waits for every delivery report; false if one failed.
  bool Flush() {
    if (producer_->flush(kTimeoutMs) != RdKafka::ERR_NO_ERROR) {
      ADD_FAILURE() << "flush timed out";
      return false;
    }
    for (const std::string& e : delivery_.errors) ADD_FAILURE() << "delivery: " << e;
    const bool delivered = delivery_.errors.empty();
    delivery_.errors.clear();
    return delivered;
  }

  bool Begin() { return Check(producer_->begin_transaction()); }
  bool Commit() { return Check(producer_->commit_transaction(kTimeoutMs)); }
  // Writes the transaction's records to the log first: an abort purges
  // the ones still queued, and they would not be there to skip.
  bool Abort() { return Flush() && Check(producer_->abort_transaction(kTimeoutMs)); }

 private:
  bool Check(RdKafka::Error* error) {
    if (error == nullptr) return true;
    ADD_FAILURE() << "transaction: " << error->str();
    delete error;
    return false;
  }

  DeliveryErrors delivery_;  // outlives the producer
  std::unique_ptr<RdKafka::Producer> producer_;
};

// Whether `topic` exists, from the metadata of all topics (which creates
// nothing).
bool TopicExists(TestProducer& producer, const std::string& topic) {
  const rd_kafka_metadata_t* metadata = nullptr;
  EXPECT_EQ(rd_kafka_metadata(producer.handle(), 1, nullptr, &metadata, kTimeoutMs),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  if (metadata == nullptr) return false;
  bool found = false;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    found = found || topic == metadata->topics[i].topic;
  }
  rd_kafka_metadata_destroy(metadata);
  return found;
}

// The configuration of `topic` as the broker describes it (each entry's
// value, defaults included), asked again while the broker does not know the
// topic yet (just created); empty after a reported failure.
std::map<std::string, std::string> DescribeTopic(TestProducer& producer, const std::string& topic) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  while (!TopicExists(producer, topic) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  std::map<std::string, std::string> out;
  rd_kafka_t* handle = producer.handle();
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  rd_kafka_queue_t* queue = rd_kafka_queue_new(handle);
  rd_kafka_DescribeConfigs(handle, &resource, 1, nullptr, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, kTimeoutMs);
  if (event == nullptr || rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ADD_FAILURE() << "describing " << topic << ": "
                  << (event == nullptr ? "no answer" : rd_kafka_event_error_string(event));
  } else {
    size_t n = 0;
    const rd_kafka_ConfigResource_t** results = rd_kafka_DescribeConfigs_result_resources(
        rd_kafka_event_DescribeConfigs_result(event), &n);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(rd_kafka_ConfigResource_error(results[i]), RD_KAFKA_RESP_ERR_NO_ERROR);
      size_t entries = 0;
      const rd_kafka_ConfigEntry_t** configs =
          rd_kafka_ConfigResource_configs(results[i], &entries);
      for (size_t j = 0; j < entries; ++j) {
        const char* value = rd_kafka_ConfigEntry_value(configs[j]);
        out[rd_kafka_ConfigEntry_name(configs[j])] = value == nullptr ? "" : value;
      }
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_ConfigResource_destroy(resource);
  return out;
}

std::set<std::string> AsSet(const std::vector<agent::TopicKey>& keys) {
  std::set<std::string> out;
  for (const agent::TopicKey& k : keys) out.insert(k.bytes);
  return out;
}

class TopicScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CDC_REQUIRE_TEST_ENV(env_);
    config_.brokers = env_.brokers;
    topic_ = "topic-scan-" + UniqueSuffix();
  }

  // Creates topic_ with three partitions.
  void CreateTopic(TestProducer& producer) {
    Status s = agent::CreateTopicIfMissing(producer.handle(), topic_, 3, -1, {},
                                           "the test topic", nullptr);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::map<int32_t, int64_t> Ends() {
    Result<std::map<int32_t, int64_t>> ends = agent::TopicEndOffsets(config_, topic_, kTimeoutMs);
    EXPECT_TRUE(ends.ok()) << ends.status().ToString();
    return ends.ok() ? *ends : std::map<int32_t, int64_t>{};
  }

  // The keys UntouchedLiveKeys returns, each checked to be there once.
  std::set<std::string> Untouched(const std::map<int32_t, int64_t>& marks) {
    Result<std::vector<agent::TopicKey>> keys =
        agent::UntouchedLiveKeys(config_, topic_, marks, kTimeoutMs);
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    if (!keys.ok()) return {};
    std::set<std::string> out = AsSet(*keys);
    EXPECT_EQ(out.size(), keys->size()) << "a key was returned twice";
    return out;
  }

  TestEnv env_;
  agent::KafkaConfig config_;
  std::string topic_;
};

TEST_F(TopicScanTest, ReturnsTheKeysLiveAtTheMarkAndNotWrittenSince) {
  TestProducer plain(env_.brokers);
  TestProducer txn(env_.brokers, "topic-scan-test-" + UniqueSuffix());
  ASSERT_TRUE(plain.ok() && txn.ok());
  ASSERT_NO_FATAL_FAILURE(CreateTopic(plain));
  const std::string binary_key("\0\xff\x01 key", 6);

  // Before the mark.
  ASSERT_TRUE(plain.ProduceAll(
      topic_, {
                  Live(0, "a"),
                  Live(0, "b"), Tombstone(0, "b"),
                  Live(0, "c"), Deleted(0, "c"),
                  Live(0, "d"), Deleted(0, "d"), Tombstone(0, "d"), Live(0, "d"),  // re-inserted
                  Live(0, "e"),
                  Live(0, "f"),
                  {0, std::nullopt, "a row without a key", "insert"},
                  Live(0, binary_key),
                  Live(1, "g"), Live(1, "h"), Live(1, "j"),
                  Truncate(1, ""),  // g, h and j are gone
                  Live(1, "i"), Live(1, "j", "update"),
                  Live(2, "k"), Live(2, "m"),
              }));
  ASSERT_TRUE(txn.Begin());
  ASSERT_TRUE(txn.Produce(topic_, Live(2, "x")));
  ASSERT_TRUE(txn.Produce(topic_, Tombstone(0, "a")));
  ASSERT_TRUE(txn.Abort());
  ASSERT_TRUE(txn.Begin());
  ASSERT_TRUE(txn.Produce(topic_, Live(2, "n")));
  ASSERT_TRUE(txn.Commit());
  ASSERT_TRUE(plain.ProduceAll(topic_, {Live(2, "o", "read")}));

  // Transaction markers take an offset each.
  const std::map<int32_t, int64_t> marks = Ends();
  ASSERT_EQ(marks, (std::map<int32_t, int64_t>{{0, 15}, {1, 6}, {2, 7}}));

  // At and after the mark: what a new snapshot (and the stream) writes.
  ASSERT_TRUE(plain.ProduceAll(topic_, {
                                           Live(0, "e", "read"),
                                           Tombstone(0, "f"),
                                           Live(0, "z", "read"),
                                           Truncate(1, "{}"),  // not a row of its own
                                       }));
  ASSERT_TRUE(txn.Begin());
  ASSERT_TRUE(txn.Produce(topic_, Live(2, "m", "read")));
  ASSERT_TRUE(txn.Produce(topic_, Live(0, "a", "read")));
  ASSERT_TRUE(txn.Abort());
  EXPECT_EQ(Ends(), (std::map<int32_t, int64_t>{{0, 20}, {1, 7}, {2, 9}}));

  EXPECT_EQ(Untouched(marks),
            (std::set<std::string>{"a", "d", binary_key, "i", "j", "k", "m", "n", "o"}));
  // A partition missing from the marks has nothing to return.
  EXPECT_EQ(Untouched({{0, marks.at(0)}, {1, marks.at(1)}}),
            (std::set<std::string>{"a", "d", binary_key, "i", "j"}));
  EXPECT_EQ(Untouched({{0, 0}, {1, 0}, {2, 0}}), std::set<std::string>{});
  EXPECT_EQ(Untouched({}), std::set<std::string>{});
  // Marks at the end: every key live now. The second TRUNCATE of
  // partition 1 is before its mark here.
  EXPECT_EQ(Untouched(Ends()),
            (std::set<std::string>{"a", "d", "e", "z", binary_key, "k", "m", "n", "o"}));
  // A key written again in another partition (partitions were added) was
  // touched; its old partition is named with the key.
  const std::map<int32_t, int64_t> now = Ends();
  ASSERT_TRUE(plain.ProduceAll(topic_, {Live(1, "a", "read")}));
  Result<std::vector<agent::TopicKey>> moved =
      agent::UntouchedLiveKeys(config_, topic_, now, kTimeoutMs);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(AsSet(*moved), (std::set<std::string>{"d", "e", "z", binary_key, "k", "m", "n", "o"}));
  for (const agent::TopicKey& k : *moved) {
    if (k.bytes == "k") {
      EXPECT_EQ(k.partition, 2);
    }
    if (k.bytes == "d") {
      EXPECT_EQ(k.partition, 0);
    }
  }
  // A partition that ends before its mark (the topic re-created): not
  // checked at all.
  std::map<int32_t, int64_t> beyond = now;
  beyond[0] += 100;
  Result<std::vector<agent::TopicKey>> recreated =
      agent::UntouchedLiveKeys(config_, topic_, beyond, kTimeoutMs);
  ASSERT_FALSE(recreated.ok());
  EXPECT_TRUE(recreated.status().IsNotSupported()) << recreated.status().ToString();
  EXPECT_NE(recreated.status().message().find("re-created or truncated"), std::string::npos)
      << recreated.status().message();
}

TEST_F(TopicScanTest, AnOpenTransactionHoldsTheScanUntilItEnds) {
  TestProducer plain(env_.brokers);
  TestProducer txn(env_.brokers, "topic-scan-test-" + UniqueSuffix());
  ASSERT_TRUE(plain.ok() && txn.ok());
  ASSERT_NO_FATAL_FAILURE(CreateTopic(plain));
  ASSERT_TRUE(plain.ProduceAll(topic_, {Live(0, "a")}));
  ASSERT_TRUE(txn.Begin());
  ASSERT_TRUE(txn.Produce(topic_, Live(0, "b")));
  ASSERT_TRUE(txn.Flush());

  // The high watermark counts the open transaction's record.
  const std::map<int32_t, int64_t> marks = Ends();
  ASSERT_EQ(marks, (std::map<int32_t, int64_t>{{0, 2}, {1, 0}, {2, 0}}));

  const auto start = std::chrono::steady_clock::now();
  Result<std::vector<agent::TopicKey>> held =
      agent::UntouchedLiveKeys(config_, topic_, marks, 2000);
  ASSERT_FALSE(held.ok());
  EXPECT_TRUE(held.status().IsIOError()) << held.status().ToString();
  EXPECT_TRUE(held.status().retryable());
  EXPECT_NE(held.status().message().find("no record for 2s"), std::string::npos)
      << held.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);

  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    stop = true;
  });
  Result<std::vector<agent::TopicKey>> stopped =
      agent::UntouchedLiveKeys(config_, topic_, marks, kTimeoutMs, &stop);
  stopper.join();
  ASSERT_FALSE(stopped.ok());
  EXPECT_TRUE(stopped.status().IsAborted()) << stopped.status().ToString();

  ASSERT_TRUE(txn.Commit());
  EXPECT_EQ(Untouched(marks), (std::set<std::string>{"a", "b"}));
}

TEST_F(TopicScanTest, AMissingTopicIsEmptyAndStaysMissing) {
  TestProducer plain(env_.brokers);
  ASSERT_TRUE(plain.ok());
  ASSERT_FALSE(TopicExists(plain, topic_));

  Result<std::map<int32_t, int64_t>> ends = agent::TopicEndOffsets(config_, topic_, kTimeoutMs);
  ASSERT_TRUE(ends.ok()) << ends.status().ToString();
  EXPECT_TRUE(ends->empty());
  Result<std::vector<agent::TopicKey>> keys =
      agent::UntouchedLiveKeys(config_, topic_, {}, kTimeoutMs);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_TRUE(keys->empty());
  // Marks taken when it held records: it was deleted since.
  keys = agent::UntouchedLiveKeys(config_, topic_, {{0, 5}, {1, 5}}, kTimeoutMs);
  ASSERT_FALSE(keys.ok());
  EXPECT_TRUE(keys.status().IsNotSupported()) << keys.status().ToString();

  // The broker runs with auto.create.topics.enable: a request for the
  // topic by name would have created it.
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(TopicExists(plain, topic_));
}

TEST_F(TopicScanTest, TheOffsetsTopicIsCreatedCompactedWithSegmentsThatClose) {
  TestProducer plain(env_.brokers);
  ASSERT_TRUE(plain.ok());
  config_.offsets_topic = topic_;
  Status s = agent::EnsureOffsetsTopic(plain.handle(), config_, nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::map<std::string, std::string> described = DescribeTopic(plain, topic_);
  EXPECT_EQ(described["cleanup.policy"], "compact");
  // Kafka compacts closed segments only; its default closes one after 7
  // days.
  EXPECT_EQ(described["segment.ms"], "3600000");
  EXPECT_EQ(described["delete.retention.ms"], "604800000");

  // A topic that exists keeps its settings.
  const std::string existing = topic_ + "-existing";
  s = agent::CreateTopicIfMissing(plain.handle(), existing, 1, -1, {{"cleanup.policy", "compact"}},
                                  "the test topic", nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
  config_.offsets_topic = existing;
  s = agent::EnsureOffsetsTopic(plain.handle(), config_, nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
  described = DescribeTopic(plain, existing);
  EXPECT_EQ(described["cleanup.policy"], "compact");
  EXPECT_EQ(described["segment.ms"], "604800000");
}

// The offsets are read in fetches of 64 KB of a partition: a topic of many
// records of other agents, one record of this agent's larger than a fetch,
// and the position last, read whole.
TEST_F(TopicScanTest, TheOffsetsTopicIsReadWholeInFetchesSmallerThanItsRecords) {
  TestProducer plain(env_.brokers);
  ASSERT_TRUE(plain.ok());
  config_.offsets_topic = topic_;
  config_.offsets_key = "scan-agent/src";
  Status s = agent::EnsureOffsetsTopic(plain.handle(), config_, nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();

  std::string large(300 * 1024, '\0');
  for (size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>('a' + i * 7 % 26);
  const std::string state_key = agent::OffsetsStateKey(config_, "mysql_schema_history");
  std::vector<Record> records;
  constexpr int kOthers = 40000;
  for (int i = 0; i < kOthers; ++i) {
    records.push_back({0, "other-agent-" + std::to_string(i % 50) + "/src",
                       offsets::Position::Postgres(static_cast<uint64_t>(i)).Encode(), ""});
    if (i == kOthers / 4) {
      records.push_back({0, config_.offsets_key, offsets::Position::Postgres(7).Encode(), ""});
    }
    if (i == kOthers / 2) records.push_back({0, state_key, large, ""});
  }
  const offsets::Position last = offsets::Position::Postgres(123456789);
  records.push_back({0, config_.offsets_key, last.Encode(), ""});
  ASSERT_TRUE(plain.ProduceAll(topic_, records));

  Result<agent::CommittedOffsets> read = agent::ReadCommittedOffsets(config_, kTimeoutMs);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->position.has_value());
  EXPECT_EQ(read->position->ToString(), last.ToString());
  EXPECT_FALSE(read->reset);
  ASSERT_EQ(read->states.size(), 1u);
  EXPECT_TRUE(read->states["mysql_schema_history"] == large)
      << "the state read back has " << read->states["mysql_schema_history"].size()
      << " bytes, written " << large.size();
}

}  // namespace
}  // namespace cdc::itest
