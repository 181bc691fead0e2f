// The offsets topic: where an exactly-once agent commits its source position,
// and the state that must move with it (the MySQL schema history), in the
// same Kafka transaction as the events before it. Kafka is the authority:
// offsets.path (RocksDB) is the local copy, written after each commit, and is
// repaired from Kafka at start when it is behind, ahead or missing.
//
// Records: key "<agent name>/<source name>" holds Position::Encode(); key
// "<agent name>/<source name>/state/<name>" holds a state blob. A null value
// (a tombstone, written by `offsets reset`) removes either.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config.h"
#include "agent/kafka_common.h"
#include "common/status.h"
#include "offsets/offset_store.h"
#include "offsets/position.h"

namespace cdc::agent {

// What the offsets topic holds for one agent.
struct CommittedOffsets {
  std::optional<offsets::Position> position;
  std::map<std::string, std::string> states;  // by state name
  // The last record of the position is a tombstone: `offsets reset` asked
  // for a start over (until compaction removes it, after the topic's
  // delete.retention.ms).
  bool reset = false;
};

// How much a reading consumer fetches of a partition at a time.
enum class Fetches { kDefault, kSmall };
inline constexpr int kSmallFetchBytes = 64 * 1024;

// A short-lived consumer of the user's cluster (kafka.brokers and
// kafka.properties, security settings among them) that commits nothing,
// reports each partition's end, and does not hold a fetch at the end: for
// reading topics back. Its group id is `group_prefix` and a random number.
// With Fetches::kSmall it fetches kSmallFetchBytes of a partition at a time
// instead of librdkafka's 1 MB (unless kafka.properties sets
// fetch.message.max.bytes or max.partition.fetch.bytes): for the reads at
// start, of the offsets topic and of one record, which then hold little;
// a scan of a whole topic keeps the larger fetches, which cross a network
// in fewer round trips.
// `read_committed` passes over aborted records (and makes
// query_watermark_offsets answer the last stable offset, not the high
// watermark). `events` must outlive the consumer.
Result<std::unique_ptr<RdKafka::KafkaConsumer>> NewReadingConsumer(
    const KafkaConfig& config, bool read_committed, const std::string& group_prefix,
    KafkaEventLogger& events, Fetches fetches = Fetches::kDefault);

// The key of state `name` in the offsets topic.
std::string OffsetsStateKey(const KafkaConfig& config, std::string_view name);

// Creates config.offsets_topic unless it exists (an existing topic keeps
// its settings): compacted, its segments closed (and so compacted) after an
// hour, tombstones kept 7 days after that; one partition, the replication
// factor of kafka.topics.create, else the brokers' default. `handle` is any
// client of the cluster.
Status EnsureOffsetsTopic(rd_kafka_t* handle, const KafkaConfig& config,
                          const std::atomic<bool>* stop);

// Reads config.offsets_topic with read_committed, from its start to the end
// it has when the call begins, and returns this agent's records. Call it
// after the agent's transactional producer is initialised, which aborts a
// transaction its previous run left open; a transaction of another agent
// that stays open delays the read (up to `timeout_ms`: then a retryable
// IOError). An absent topic holds nothing.
Result<CommittedOffsets> ReadCommittedOffsets(const KafkaConfig& config, int timeout_ms,
                                              const std::atomic<bool>* stop = nullptr);

// The first committed record (read_committed) found in one of `topics`, as
// "topic T (partition P, offset O)"; nullopt when they hold none (or do not
// exist). Tells a first run from one whose positions were lost.
Result<std::optional<std::string>> FindPublishedEvent(const KafkaConfig& config,
                                                      const std::set<std::string>& topics,
                                                      int timeout_ms,
                                                      const std::atomic<bool>* stop = nullptr);

// How the local store and Kafka agree at start.
struct Reconciliation {
  std::optional<offsets::Position> position;  // where the source resumes
  // The local store must be rewritten with `position` and Kafka's states.
  bool repair_local = false;
  bool warn = false;    // the message describes damage, not a first start
  std::string message;  // empty when both agree
};

// Kafka's committed position wins; the local one is used alone only when
// Kafka has none (the first exactly-once run of an agent that ran at least
// once before).
Reconciliation Reconcile(const std::optional<offsets::Position>& kafka,
                         const std::optional<offsets::Position>& local,
                         const std::string& offsets_topic);

// Applies `r` to `store` for `source`: writes the position and `states` when
// the local copy must be repaired, and logs the message.
Status ApplyReconciliation(const Reconciliation& r, const CommittedOffsets& kafka,
                           offsets::OffsetStore& store, const std::string& source);

// For `offsets set` and `offsets reset`: commits `position` as this agent's
// (nullopt: a tombstone) and tombstones for each of `clear_states`, in a
// transaction of the agent's transactional.id, which fences a running agent
// of the same name.
Status WriteCommittedOffsets(const KafkaConfig& config,
                             const std::optional<offsets::Position>& position,
                             const std::vector<std::string>& clear_states);

}  // namespace cdc::agent
