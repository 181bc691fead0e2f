#include "agent/pipeline.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/tail.h"
#include "kafka_test_util.h"
#include "offsets/offset_store.h"
#include "pipeline_fakes.h"

namespace cdc::agent {
namespace {

using testing::FakeSource;
using testing::Lsn;
using testing::MockKafka;
using testing::RecordingStore;
using testing::RowEvent;

constexpr char kTopic[] = "pg1.public.t";
constexpr char kSourceName[] = "pg1";
// Upper bound for waits that end long before it in a passing run.
constexpr auto kDeadline = std::chrono::seconds(60);

// A batch of `events` inserts starting at row `first_id`, ending at `end_lsn`
// (0: no end position, the batch ends inside a transaction).
Batch MakeBatch(int first_id, int events, uint64_t end_lsn) {
  Batch batch;
  for (int i = 0; i < events; ++i) {
    batch.events.push_back(RowEvent(kTopic, cdc::v1::OP_INSERT, first_id + i));
  }
  if (end_lsn != 0) batch.end_position = Lsn(end_lsn);
  return batch;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override { mock_.CreateTopic(kTopic, 1); }

  AgentConfig Config() {
    AgentConfig config;
    config.name = "agent";
    config.source.name = kSourceName;
    config.kafka.brokers = mock_.brokers();
    config.kafka.exactly_once = false;
    config.queue_max_batches = 4;
    return config;
  }

  // Runs the pipeline on a thread of its own, so the test can set `stop_`.
  std::future<Status> Start(const AgentConfig& config, FakeSource& source) {
    return std::async(std::launch::async, [this, config, &source] {
      return RunPipeline(config, source, store_, stop_);
    });
  }

  // The run's result; a run still going after kDeadline fails the test.
  static Status Finish(std::future<Status>& run) {
    if (run.wait_for(kDeadline) != std::future_status::ready) {
      ADD_FAILURE() << "RunPipeline did not return";
      std::abort();  // the pipeline thread cannot be joined: stop the test binary
    }
    return run.get();
  }

  std::optional<offsets::Position> Loaded() {
    auto loaded = store_.Load(kSourceName);
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return loaded.ok() ? *loaded : std::nullopt;
  }

  // Row ids of the inserts in the topic, in offset order.
  std::vector<int64_t> ReadBackIds() {
    TailOptions options;
    options.brokers = mock_.brokers();
    options.topic = kTopic;
    options.from_beginning = true;
    options.idle_timeout_ms = 2000;
    std::ostringstream out;
    std::atomic<bool> stop{false};
    Status s = Tail(options, out, stop);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::vector<int64_t> ids;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) {
      google::protobuf::Struct parsed;
      if (!google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) {
        ADD_FAILURE() << "not JSON: " << line;
        continue;
      }
      const auto& after =
          parsed.fields().at("value").struct_value().fields().at("after").list_value();
      if (after.values_size() != 1) {
        ADD_FAILURE() << "not one column in " << line;
        continue;
      }
      const auto& value = after.values(0).struct_value().fields().at("value").struct_value();
      ids.push_back(std::stoll(value.fields().at("int_value").string_value()));
    }
    return ids;
  }

  MockKafka mock_;
  RecordingStore store_;
  std::atomic<bool> stop_{false};
};

// At least once, the sink stores the latest acknowledged position at most
// every commit_interval_ms: what is stored is some of `ends`, in their order,
// and always the last.
void ExpectInOrderUpToTheLast(const std::vector<offsets::Position>& stored,
                              const std::vector<offsets::Position>& ends, const char* what) {
  ASSERT_FALSE(stored.empty()) << what;
  EXPECT_EQ(stored.back(), ends.back()) << what;
  size_t at = 0;
  for (const offsets::Position& p : stored) {
    while (at < ends.size() && !(ends[at] == p)) ++at;
    ASSERT_LT(at, ends.size()) << what << ": " << p.ToString() << " out of order or unknown";
    ++at;
  }
}

TEST_F(PipelineTest, CleanRunStoresEndPositionsInOrderUpToTheLast) {
  FakeSource source;
  source.Push(MakeBatch(1, 2, 100))
      .Push(MakeBatch(3, 1, 0))  // ends inside a transaction: no position
      .Push(MakeBatch(4, 3, 200))
      .Push(MakeBatch(7, 1, 300))
      .Push(MakeBatch(8, 0, 400))
      .Push(MakeBatch(8, 2, 500));
  auto run = Start(Config(), source);
  ASSERT_TRUE(source.WaitDurableSeen(500)) << "the last position never became durable";
  stop_ = true;
  Status s = Finish(run);
  ASSERT_TRUE(s.ok()) << s.ToString();

  const std::vector<offsets::Position> expected = {Lsn(100), Lsn(200), Lsn(300), Lsn(400),
                                                   Lsn(500)};
  ExpectInOrderUpToTheLast(store_.stored(), expected, "stored");
  EXPECT_EQ(source.durable(), store_.stored());
  EXPECT_EQ(Loaded(), Lsn(500));
  EXPECT_EQ(source.runs(), 1);
  EXPECT_EQ(ReadBackIds(), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST_F(PipelineTest, StopRightAfterTheLastPushStillStoresEverything) {
  FakeSource source;
  for (int i = 1; i <= 20; ++i) source.Push(MakeBatch(i, 1, 1000 + i));
  AgentConfig config = Config();
  config.queue_max_batches = 2;
  auto run = Start(config, source);
  ASSERT_TRUE(source.WaitScriptDone());
  stop_ = true;
  Status s = Finish(run);
  ASSERT_TRUE(s.ok()) << s.ToString();

  std::vector<offsets::Position> expected;
  for (int i = 1; i <= 20; ++i) expected.push_back(Lsn(1000 + i));
  ExpectInOrderUpToTheLast(store_.stored(), expected,
                           "what was read before the stop is delivered and stored");
  EXPECT_EQ(source.durable(), store_.stored());
  EXPECT_EQ(Loaded(), Lsn(1020));
}

TEST_F(PipelineTest, SourceErrorIsReturnedAfterDeliveringWhatWasPushed) {
  FakeSource source;
  source.Push(MakeBatch(1, 2, 10))
      .Push(MakeBatch(3, 2, 20))
      .Push(MakeBatch(5, 1, 30))
      .ThenFail(Status::IOError("postgres: connection lost; check the server", true));
  auto run = Start(Config(), source);
  Status s = Finish(run);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(s.retryable());
  EXPECT_EQ(s.message(), "postgres: connection lost; check the server");

  const std::vector<offsets::Position> expected = {Lsn(10), Lsn(20), Lsn(30)};
  ExpectInOrderUpToTheLast(store_.stored(), expected, "stored");
  EXPECT_EQ(source.durable(), store_.stored());
  EXPECT_EQ(Loaded(), Lsn(30));
}

TEST_F(PipelineTest, SourceErrorBeforeAnyBatch) {
  FakeSource source;
  source.ThenFail(Status::InvalidArgument("source.postgres.slot: no such slot"));
  auto run = Start(Config(), source);
  Status s = Finish(run);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(s.message(), "source.postgres.slot: no such slot");
  EXPECT_TRUE(store_.stored().empty());
  EXPECT_EQ(Loaded(), std::nullopt);
}

TEST_F(PipelineTest, DeliveryFailureStopsWithoutStoringUndeliveredPositions) {
  AgentConfig config = Config();
  config.kafka.delivery_timeout_ms = 1000;
  rd_kafka_mock_cluster_t* cluster = mock_.cluster();
  FakeSource source;
  source.Push(MakeBatch(1, 2, 100))
      .WaitDurable(100)
      .Do([cluster] { rd_kafka_mock_broker_set_down(cluster, 1); })
      .Push(MakeBatch(3, 2, 200))
      .Push(MakeBatch(5, 1, 300));
  auto run = Start(config, source);
  Status s = Finish(run);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_TRUE(s.retryable());
  EXPECT_EQ(s.message(),
            "kafka delivery failed for topic pg1.public.t: Local: Message timed out; "
            "check that the brokers in kafka.brokers are up");

  EXPECT_EQ(store_.stored(), std::vector<offsets::Position>{Lsn(100)});
  EXPECT_EQ(source.durable(), std::vector<offsets::Position>{Lsn(100)});
  EXPECT_EQ(Loaded(), Lsn(100));
}

TEST_F(PipelineTest, BrokerDownFromTheStartStoresNothing) {
  rd_kafka_mock_broker_set_down(mock_.cluster(), 1);
  AgentConfig config = Config();
  config.kafka.delivery_timeout_ms = 1000;
  FakeSource source;
  source.Push(MakeBatch(1, 3, 100)).Push(MakeBatch(4, 1, 200));
  auto run = Start(config, source);
  Status s = Finish(run);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("kafka delivery failed for topic pg1.public.t"), std::string::npos)
      << s.message();
  EXPECT_TRUE(store_.stored().empty());
  EXPECT_TRUE(source.durable().empty());
  EXPECT_EQ(Loaded(), std::nullopt);
}

// With a one-batch queue and a producer queue of a few messages, the sink is
// stuck in Send while the broker is down, so the reader blocks in Push; the
// sink's failure must release it, or RunPipeline would never return.
TEST_F(PipelineTest, SinkFailureReleasesASourceBlockedOnTheFullQueue) {
  rd_kafka_mock_broker_set_down(mock_.cluster(), 1);
  AgentConfig config = Config();
  config.queue_max_batches = 1;
  config.kafka.delivery_timeout_ms = 1000;
  config.kafka.properties["queue.buffering.max.messages"] = "4";
  constexpr int kBatches = 50;
  FakeSource source;
  for (int i = 0; i < kBatches; ++i) source.Push(MakeBatch(1 + 10 * i, 10, 100 + i));
  auto run = Start(config, source);
  Status s = Finish(run);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("kafka delivery failed for topic pg1.public.t"), std::string::npos)
      << s.message();
  EXPECT_TRUE(source.push_refused()) << "the blocked Push returns false once the sink fails";
  EXPECT_LT(source.pushed(), kBatches);
  EXPECT_TRUE(store_.stored().empty());
  EXPECT_TRUE(source.durable().empty());
}

TEST_F(PipelineTest, OffsetStoreErrorStopsTheRunAndIsNotConfirmedToTheSource) {
  AgentConfig config = Config();
  config.source.name = "bad/name";  // the store refuses names with '/'
  FakeSource source;
  source.Push(MakeBatch(1, 1, 100)).Push(MakeBatch(2, 1, 200));
  auto run = Start(config, source);
  Status s = Finish(run);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(s.message(),
            "offsets: offset store: bad source name \"bad/name\": must be non-empty and "
            "contain no '/'");
  EXPECT_TRUE(source.durable().empty()) << "a position the store refused is not durable";
  EXPECT_TRUE(store_.stored().empty());
}

TEST_F(PipelineTest, BadKafkaPropertyFailsBeforeTheSourceRuns) {
  AgentConfig config = Config();
  config.kafka.properties["no.such.property"] = "1";
  FakeSource source;
  source.Push(MakeBatch(1, 1, 100));
  auto run = Start(config, source);
  Status s = Finish(run);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(s.message(),
            "kafka.properties.no.such.property: No such configuration property: "
            "\"no.such.property\"");
  EXPECT_EQ(source.runs(), 0);
  EXPECT_TRUE(store_.stored().empty());
}

}  // namespace
}  // namespace cdc::agent
