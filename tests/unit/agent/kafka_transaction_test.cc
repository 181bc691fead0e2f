// Exactly-once delivery against librdkafka's mock cluster: Kafka
// transactions that end at batch ends with the position in the offsets
// topic, fencing, and the reconciliation of the local store with Kafka.
// Then the fetch size of the consumers that read the offsets topic back.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "agent/kafka_common.h"
#include "agent/kafka_offsets.h"
#include "agent/kafka_sink.h"
#include "agent/tail.h"
#include "tests/unit/agent/kafka_test_util.h"

namespace cdc::agent {
namespace {

using testing::Lsn;
using testing::MockKafka;
using testing::RowEvent;

constexpr char kTopic[] = "cdc.public.t";
constexpr char kOffsetsTopic[] = "test-offsets";

offsets::Position Mid(uint64_t lsn, uint64_t changes) {
  return Lsn(lsn).InTransaction(changes, "0/FF");
}

class KafkaTransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mock_.CreateTopic(kTopic, 3);
    // The mock does not create topics through the admin API.
    mock_.CreateTopic(kOffsetsTopic, 1);
  }

  KafkaConfig Config(const std::string& agent = "a1") {
    KafkaConfig config;
    config.brokers = mock_.brokers();
    config.offsets_topic = kOffsetsTopic;
    config.transactional_id = "cdc-agent-" + agent;
    config.offsets_key = agent + "/" + agent;
    config.delivery_timeout_ms = 10000;
    return config;
  }

  std::unique_ptr<KafkaSink> MakeSink(const KafkaConfig& config,
                                      std::vector<offsets::Position>* durable) {
    auto sink = NewKafkaSink(config, [durable](const offsets::Position& p, uint64_t) {
      durable->push_back(p);
    });
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    return sink.ok() ? std::move(sink).value() : nullptr;
  }

  static Batch MakeBatch(int first_id, int events, std::optional<offsets::Position> end) {
    Batch batch;
    for (int i = 0; i < events; ++i) {
      batch.events.push_back(RowEvent(kTopic, cdc::v1::OP_INSERT, first_id + i));
    }
    batch.end_position = std::move(end);
    return batch;
  }

  // Messages of the events topic that a read_committed consumer sees.
  size_t CountCommitted() {
    TailOptions options;
    options.brokers = mock_.brokers();
    options.topic = kTopic;
    options.from_beginning = true;
    options.idle_timeout_ms = 2000;
    options.read_committed = true;
    std::ostringstream out;
    std::atomic<bool> stop{false};
    Status s = Tail(options, out, stop);
    EXPECT_TRUE(s.ok()) << s.ToString();
    size_t lines = 0;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) ++lines;
    return lines;
  }

  MockKafka mock_;
};

TEST_F(KafkaTransactionTest, PositionIsDurableOnlyOnceItsTransactionCommits) {
  KafkaConfig config = Config();
  config.commit_interval_ms = 600000;  // commits only when asked to
  std::vector<offsets::Position> durable;
  auto sink = MakeSink(config, &durable);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 2, Lsn(100))).ok());
  ASSERT_TRUE(sink->Send(MakeBatch(3, 3, Mid(100, 3))).ok());
  ASSERT_TRUE(sink->Poll(200).ok());
  EXPECT_TRUE(durable.empty()) << "acknowledged is not committed";

  Status s = sink->Flush(10000);  // commits the open transaction
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(durable, std::vector<offsets::Position>{Mid(100, 3)})
      << "one position per commit: the last batch's";
  EXPECT_EQ(CountCommitted(), 5u);

  Result<CommittedOffsets> read = ReadCommittedOffsets(config, 10000);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->position.has_value());
  EXPECT_EQ(*read->position, Mid(100, 3));
}

TEST_F(KafkaTransactionTest, CommitsEveryMaxEventsAtABatchEnd) {
  KafkaConfig config = Config();
  config.commit_interval_ms = 600000;
  config.commit_max_events = 4;
  std::vector<offsets::Position> durable;
  auto sink = MakeSink(config, &durable);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 3, Lsn(10))).ok());
  EXPECT_TRUE(durable.empty());
  ASSERT_TRUE(sink->Send(MakeBatch(4, 3, Lsn(20))).ok());  // 6 >= 4: commits after this batch
  EXPECT_EQ(durable, std::vector<offsets::Position>{Lsn(20)});
  ASSERT_TRUE(sink->Send(MakeBatch(7, 1, Lsn(30))).ok());
  EXPECT_EQ(durable.size(), 1u);
  ASSERT_TRUE(sink->Flush(10000).ok());
  EXPECT_EQ(durable, (std::vector<offsets::Position>{Lsn(20), Lsn(30)}));
}

// Batches without a position (a table read whole, handed over in parts)
// wait in the open transaction, however many events or however long, for
// the batch whose position covers them.
TEST_F(KafkaTransactionTest, BatchesWithoutAPositionCommitOnlyWithTheOneAfterThem) {
  KafkaConfig config = Config();
  config.commit_interval_ms = 1;
  config.commit_max_events = 2;
  std::vector<offsets::Position> durable;
  auto sink = MakeSink(config, &durable);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 3, std::nullopt)).ok());
  ASSERT_TRUE(sink->Send(MakeBatch(4, 3, std::nullopt)).ok());
  ASSERT_TRUE(sink->Poll(200).ok());
  EXPECT_EQ(sink->commits(), 0u) << "committed without a position for its events";
  ASSERT_TRUE(sink->Send(MakeBatch(7, 1, Lsn(40))).ok());
  EXPECT_EQ(sink->commits(), 1u);
  EXPECT_EQ(durable, std::vector<offsets::Position>{Lsn(40)});
  EXPECT_EQ(CountCommitted(), 7u);
}

// Stopping before that batch: the transaction is aborted, not committed
// with the position before the events, from which the next run would send
// them again.
TEST_F(KafkaTransactionTest, AFlushWithoutAPositionForTheLastEventsAbortsThem) {
  KafkaConfig config = Config();
  config.commit_interval_ms = 600000;
  std::vector<offsets::Position> durable;
  auto sink = MakeSink(config, &durable);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 2, Lsn(10))).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());
  ASSERT_EQ(durable, std::vector<offsets::Position>{Lsn(10)});
  ASSERT_TRUE(sink->Send(MakeBatch(3, 4, std::nullopt)).ok());
  Status s = sink->Flush(10000);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(sink->commits(), 1u);
  EXPECT_EQ(durable, std::vector<offsets::Position>{Lsn(10)});
  Result<CommittedOffsets> read = ReadCommittedOffsets(config, 10000);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->position, Lsn(10));
  // A stop is the sink's end: it takes nothing more.
  EXPECT_FALSE(sink->Send(MakeBatch(7, 1, Lsn(20))).ok());
  EXPECT_EQ(durable, std::vector<offsets::Position>{Lsn(10)});
}

// A transaction that only a later batch could commit, open for most of
// its timeout: the brokers would abort it, and a restart would meet the
// same end, so the sink stops with a line saying what to do.
TEST_F(KafkaTransactionTest, ATransactionWithoutAPositionNearItsTimeoutStopsTheSink) {
  KafkaConfig config = Config();
  config.delivery_timeout_ms = 2000;  // also the transaction's timeout
  config.commit_interval_ms = 1;
  std::vector<offsets::Position> durable;
  auto sink = MakeSink(config, &durable);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 2, std::nullopt)).ok());
  Status s;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (s.ok() && std::chrono::steady_clock::now() < deadline) s = sink->Poll(50);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("give the table a primary key"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("timeout of 2 s"), std::string::npos) << s.message();
  EXPECT_FALSE(s.retryable());
  EXPECT_EQ(sink->commits(), 0u);
  EXPECT_TRUE(durable.empty());
}

// States without events count as events: they too wait for a position.
TEST_F(KafkaTransactionTest, StatesWithoutAPositionWaitForTheBatchAfterThem) {
  KafkaConfig config = Config();
  config.commit_interval_ms = 1;
  std::vector<offsets::Position> durable;
  auto sink = MakeSink(config, &durable);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 1, Lsn(5))).ok());
  ASSERT_TRUE(sink->Poll(100).ok());
  const uint64_t commits = sink->commits();
  Batch states = MakeBatch(2, 0, std::nullopt);
  states.states.emplace_back("join.t", "v1");
  ASSERT_TRUE(sink->Send(std::move(states)).ok());
  ASSERT_TRUE(sink->Poll(200).ok());
  EXPECT_EQ(sink->commits(), commits) << "committed states without a position for them";
  ASSERT_TRUE(sink->Send(MakeBatch(2, 1, Lsn(6))).ok());
  ASSERT_TRUE(sink->Poll(100).ok());
  EXPECT_GT(sink->commits(), commits);
  EXPECT_EQ(durable.back(), Lsn(6));
}

TEST_F(KafkaTransactionTest, CommitsAfterTheIntervalWhenIdle) {
  KafkaConfig config = Config();
  config.commit_interval_ms = 100;
  std::vector<offsets::Position> durable;
  auto sink = MakeSink(config, &durable);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 1, Lsn(7))).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (durable.empty() && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(sink->Poll(50).ok());
  }
  EXPECT_EQ(durable, std::vector<offsets::Position>{Lsn(7)});
}

TEST_F(KafkaTransactionTest, UncommittedEventsAreNeverSeenByReadCommittedConsumers) {
  KafkaConfig config = Config();
  config.commit_interval_ms = 600000;
  {
    std::vector<offsets::Position> durable;
    auto sink = MakeSink(config, &durable);
    ASSERT_NE(sink, nullptr);
    ASSERT_TRUE(sink->Send(MakeBatch(1, 2, Lsn(1))).ok());
    ASSERT_TRUE(sink->Flush(10000).ok());
    ASSERT_TRUE(sink->Send(MakeBatch(3, 4, Lsn(2))).ok());
    ASSERT_TRUE(sink->Poll(500).ok());
    // Destroyed with its transaction open, as a crash leaves it.
  }
  // The next run's producer aborts what the last one left open.
  std::vector<offsets::Position> durable;
  auto next = MakeSink(config, &durable);
  ASSERT_NE(next, nullptr);
  Result<CommittedOffsets> read = ReadCommittedOffsets(config, 10000);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->position, Lsn(1));
  // (The mock keeps no aborted-transaction index, so that read_committed
  // consumers skip the 4 aborted events is checked against a real broker,
  // in tests/integration.)
}

TEST_F(KafkaTransactionTest, FencedProducerStopsWithOneLineAndStoresNothing) {
  KafkaConfig config = Config();
  config.commit_interval_ms = 600000;
  std::vector<offsets::Position> durable;
  auto sink = MakeSink(config, &durable);
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 1, Lsn(1))).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());

  // What the brokers answer once another producer has registered the same
  // transactional.id (a real second agent is in tests/integration).
  constexpr int16_t kEndTxnApiKey = 26;
  rd_kafka_mock_push_request_errors(mock_.cluster(), kEndTxnApiKey, 1,
                                    RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
  Status s = sink->Send(MakeBatch(2, 1, Lsn(2)));
  if (s.ok()) s = sink->Flush(10000);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(s.retryable());
  EXPECT_EQ(s.message(), FencedMessage("cdc-agent-a1"));
  EXPECT_EQ(durable, std::vector<offsets::Position>{Lsn(1)});
  // And it stays stopped.
  EXPECT_EQ(sink->Poll(0).message(), FencedMessage("cdc-agent-a1"));
}

TEST_F(KafkaTransactionTest, CommitIsRetriedWhileTheCoordinatorIsBusy) {
  KafkaConfig config = Config();
  config.commit_interval_ms = 600000;
  std::vector<offsets::Position> durable;
  auto sink = MakeSink(config, &durable);
  ASSERT_NE(sink, nullptr);
  constexpr int16_t kEndTxnApiKey = 26;
  rd_kafka_mock_push_request_errors(mock_.cluster(), kEndTxnApiKey, 2,
                                    RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
                                    RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS);
  ASSERT_TRUE(sink->Send(MakeBatch(1, 1, Lsn(1))).ok());
  Status s = sink->Flush(10000);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(durable, std::vector<offsets::Position>{Lsn(1)});
}

TEST_F(KafkaTransactionTest, StatesAreCommittedWithThePositionAndResetClearsThem) {
  KafkaConfig config = Config();
  config.commit_interval_ms = 600000;
  std::vector<offsets::Position> durable;
  auto sink = MakeSink(config, &durable);
  ASSERT_NE(sink, nullptr);
  Batch batch = MakeBatch(1, 1, Lsn(5));
  batch.states.emplace_back("history", "v1");
  batch.states.emplace_back("history", "v2");
  ASSERT_TRUE(sink->Send(std::move(batch)).ok());
  ASSERT_TRUE(sink->Flush(10000).ok());
  sink.reset();

  Result<CommittedOffsets> read = ReadCommittedOffsets(config, 10000);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->position, Lsn(5));
  EXPECT_EQ(read->states, (std::map<std::string, std::string>{{"history", "v2"}}));

  // Another agent's records are not this one's.
  EXPECT_FALSE(ReadCommittedOffsets(Config("a2"), 10000)->position.has_value());

  ASSERT_TRUE(WriteCommittedOffsets(config, std::nullopt, {"history"}).ok());
  read = ReadCommittedOffsets(config, 10000);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_FALSE(read->position.has_value());
  EXPECT_TRUE(read->states.empty());

  ASSERT_TRUE(WriteCommittedOffsets(config, Mid(9, 2), {}).ok());
  EXPECT_EQ(ReadCommittedOffsets(config, 10000)->position, Mid(9, 2));
}

TEST(ReconcileTest, KafkaIsTheAuthorityInEveryDirection) {
  const std::string topic = "offs";
  // Both agree, or both are empty (a first start): nothing to say.
  Reconciliation same = Reconcile(Lsn(5), Lsn(5), topic);
  EXPECT_EQ(same.position, Lsn(5));
  EXPECT_FALSE(same.repair_local);
  EXPECT_TRUE(same.message.empty());
  Reconciliation none = Reconcile(std::nullopt, std::nullopt, topic);
  EXPECT_FALSE(none.position.has_value());
  EXPECT_FALSE(none.repair_local);

  // The local store lost: restored from Kafka.
  Reconciliation lost = Reconcile(Lsn(5), std::nullopt, topic);
  EXPECT_EQ(lost.position, Lsn(5));
  EXPECT_TRUE(lost.repair_local);
  EXPECT_TRUE(lost.warn);
  EXPECT_EQ(lost.message,
            "offsets.path holds no position: restored pg:0/5 (and the source's state) from "
            "Kafka topic offs");

  // Behind (killed between the Kafka commit and the local write) and ahead
  // (a store from elsewhere): Kafka's wins.
  for (uint64_t local : {3u, 8u}) {
    Reconciliation r = Reconcile(Mid(5, 2), Lsn(local), topic);
    EXPECT_EQ(r.position, Mid(5, 2));
    EXPECT_TRUE(r.repair_local);
    EXPECT_NE(r.message.find("resuming from Kafka's"), std::string::npos) << r.message;
  }

  // Kafka has none yet (the first exactly-once run): the local one, kept.
  Reconciliation first = Reconcile(std::nullopt, Lsn(4), topic);
  EXPECT_EQ(first.position, Lsn(4));
  EXPECT_FALSE(first.repair_local);
  EXPECT_FALSE(first.warn);
  EXPECT_FALSE(first.message.empty());
}

TEST(ReconcileTest, RepairWritesPositionAndStates) {
  std::unique_ptr<offsets::OffsetStore> store = offsets::NewMemoryOffsetStore();
  ASSERT_TRUE(store->Store("s", Lsn(3)).ok());
  CommittedOffsets kafka;
  kafka.position = Lsn(9);
  kafka.states["history"] = "blob";
  ASSERT_TRUE(ApplyReconciliation(Reconcile(kafka.position, Lsn(3), "t"), kafka, *store, "s").ok());
  EXPECT_EQ(*store->Load("s"), Lsn(9));
  EXPECT_EQ(*store->GetState("s", "history"), "blob");
}

// The fetch size a reading consumer was created with.
std::string FetchSizeOf(const KafkaConfig& config, Fetches fetches) {
  KafkaEventLogger events(/*quiet=*/true);
  Result<std::unique_ptr<RdKafka::KafkaConsumer>> consumer =
      NewReadingConsumer(config, /*read_committed=*/true, "fetch-size-test-", events, fetches);
  EXPECT_TRUE(consumer.ok()) << consumer.status().ToString();
  if (!consumer.ok()) return "";
  char value[64] = "";
  size_t size = sizeof value;
  EXPECT_EQ(rd_kafka_conf_get(rd_kafka_conf((*consumer)->c_ptr()), "fetch.message.max.bytes",
                              value, &size),
            RD_KAFKA_CONF_OK);
  (*consumer)->close();
  return value;
}

TEST(ReadingConsumerTest, SmallFetchesUnlessTheUserSetsTheSize) {
  KafkaConfig config;
  config.brokers = "127.0.0.1:1";  // nothing is read
  EXPECT_EQ(FetchSizeOf(config, Fetches::kSmall), std::to_string(kSmallFetchBytes));
  EXPECT_EQ(FetchSizeOf(config, Fetches::kDefault), "1048576");
  config.properties["fetch.message.max.bytes"] = "2097152";
  EXPECT_EQ(FetchSizeOf(config, Fetches::kSmall), "2097152");
  config.properties.clear();
  // The name Kafka's Java consumer gives it.
  config.properties["max.partition.fetch.bytes"] = "524288";
  EXPECT_EQ(FetchSizeOf(config, Fetches::kSmall), "524288");
}

}  // namespace
}  // namespace cdc::agent
