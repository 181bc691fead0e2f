#include "agent/snapshot_ghosts.h"

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <string_view>

#include "agent/confluent_wire.h"
#include "agent/topic_scan.h"

namespace cdc::agent {
namespace {

// Reading a topic back gives up when no record comes for this long.
constexpr int kScanIdleMs = 120000;

// The RowKey of a message key written in `config`'s format; nullopt when the
// format cannot be read back.
Result<std::optional<cdc::v1::RowKey>> ParseKey(const KafkaConfig& config,
                                                std::string_view bytes) {
  cdc::v1::RowKey key;
  switch (config.format) {
    case EventFormat::kProtobuf: {
      std::string_view payload = bytes;
      if (config.schema_registry) {
        CDC_ASSIGN_OR_RETURN(ConfluentHeader header, ParseConfluentHeader(bytes));
        payload.remove_prefix(header.payload_offset);
      }
      if (!key.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
        return Status::Corruption("not a cdc.v1.RowKey");
      }
      return std::optional<cdc::v1::RowKey>(std::move(key));
    }
    case EventFormat::kJson: {
      const auto parsed = google::protobuf::util::JsonStringToMessage(std::string(bytes), &key);
      if (!parsed.ok()) return Status::Corruption("not a cdc.v1.RowKey in JSON");
      return std::optional<cdc::v1::RowKey>(std::move(key));
    }
    case EventFormat::kDebeziumJson:
      return std::optional<cdc::v1::RowKey>();
  }
  return std::optional<cdc::v1::RowKey>();
}

}  // namespace

Status TakeTopicMarks(const KafkaConfig& config, const std::string& topic,
                      offsets::SnapshotProgress* snapshot, const std::atomic<bool>& stop) {
  if (snapshot->topic_marks || !snapshot->after.empty() || snapshot->rows != 0) {
    return Status::OK();
  }
  using Marks = std::map<int32_t, int64_t>;
  CDC_ASSIGN_OR_RETURN(Marks marks, TopicEndOffsets(config, topic, kScanIdleMs, &stop));
  snapshot->topic_marks = std::move(marks);
  return Status::OK();
}

bool MarkRowsDone(offsets::SnapshotProgress* snapshot) {
  // A topic empty when the table's snapshot began has nothing to check.
  bool held = false;
  if (snapshot->topic_marks) {
    for (const auto& [partition, offset] : *snapshot->topic_marks) held = held || offset > 0;
  }
  if (!held) return false;
  snapshot->after_columns = {std::string(kRowsDoneCursor)};
  snapshot->after.clear();
  return true;
}

bool RowsDone(const offsets::SnapshotProgress& snapshot) {
  return snapshot.topic_marks && snapshot.after_columns.size() == 1 &&
         snapshot.after_columns[0] == kRowsDoneCursor;
}

Result<GhostKeys> FindGhostKeys(const AgentConfig& agent, const std::string& table,
                                const std::string& topic,
                                const std::map<int32_t, int64_t>& marks,
                                const std::atomic<bool>& stop,
                                const std::function<Status()>& tick) {
  const KafkaConfig& config = agent.kafka;
  GhostKeys out;
  if (transform::AnyTransformApplies(agent.transforms, table)) {
    out.not_checked =
        "transforms apply to it (a filter may have kept its READs out of the topic, a route sent "
        "them elsewhere); delete such keys by hand (a tombstone per key) if there are any";
    return out;
  }
  // Nothing was there before the snapshot.
  bool any = false;
  for (const auto& [partition, offset] : marks) any = any || offset > 0;
  if (!any) return out;
  Result<std::vector<TopicKey>> found =
      UntouchedLiveKeys(config, topic, marks, kScanIdleMs, &stop, tick);
  if (!found.ok() && found.status().IsNotSupported()) {
    out.not_checked = found.status().message();
    return out;
  }
  if (!found.ok()) return found.status();
  for (TopicKey& k : *found) {
    Result<std::optional<cdc::v1::RowKey>> key = ParseKey(config, k.bytes);
    if (!key.ok() || !key->has_value()) {
      ++out.undecodable;
      continue;
    }
    out.keys.push_back({std::move(**key), std::move(k.bytes), k.partition});
  }
  return out;
}

void DurableSignal::Reached(const offsets::Position& position) {
  std::lock_guard lock(mu_);
  last_ = position;
  changed_.notify_all();
}

Status DurableSignal::WaitFor(const offsets::Position& position,
                              std::chrono::milliseconds timeout, const std::atomic<bool>& stop) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  while (!(last_ && *last_ == position)) {
    if (stop.load()) return Status::Aborted("stopped");
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::IOError("what the snapshot published was not durable in Kafka within " +
                                 std::to_string(timeout.count() / 1000) +
                                 " s; check that the brokers in kafka.brokers are up",
                             /*retryable=*/true);
    }
    changed_.wait_for(lock, std::chrono::milliseconds(100));
  }
  return Status::OK();
}

}  // namespace cdc::agent
