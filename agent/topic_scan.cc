#include "agent/topic_scan.h"

#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "agent/confluent_wire.h"
#include "agent/event_encoder.h"
#include "agent/kafka_common.h"
#include "agent/kafka_offsets.h"

namespace cdc::agent {
namespace {

using Clock = std::chrono::steady_clock;

// A set of 64-bit key hashes: open addressing with linear probing, 8 bytes a
// slot and at most 3/4 of them used, where a std::unordered_set node alone
// takes 32 bytes.
class HashSet {
 public:
  bool empty() const { return size_ == 0; }

  bool Contains(uint64_t hash) const {
    if (size_ == 0) return false;
    const uint64_t v = Stored(hash);
    for (size_t i = Home(v);; i = Next(i)) {
      if (slots_[i] == v) return true;
      if (slots_[i] == kEmpty) return false;
    }
  }

  void Insert(uint64_t hash) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    const uint64_t v = Stored(hash);
    size_t i = Home(v);
    for (; slots_[i] != kEmpty; i = Next(i)) {
      if (slots_[i] == v) return;
    }
    slots_[i] = v;
    ++size_;
  }

  void Erase(uint64_t hash) {
    if (size_ == 0) return;
    const uint64_t v = Stored(hash);
    size_t hole = Home(v);
    for (; slots_[hole] != v; hole = Next(hole)) {
      if (slots_[hole] == kEmpty) return;
    }
    // Backward shift instead of a deleted marker: each later entry of the
    // run whose probe path crosses the hole moves into it.
    const size_t mask = slots_.size() - 1;
    for (size_t i = Next(hole); slots_[i] != kEmpty; i = Next(i)) {
      if (((i - Home(slots_[i])) & mask) >= ((i - hole) & mask)) {
        slots_[hole] = slots_[i];
        hole = i;
      }
    }
    slots_[hole] = kEmpty;
    --size_;
  }

  template <typename F>
  void ForEach(F&& f) const {
    for (uint64_t v : slots_) {
      if (v != kEmpty) f(v);
    }
  }

  // Empties the set and gives its memory back.
  void Clear() {
    std::vector<uint64_t>().swap(slots_);
    size_ = 0;
    shift_ = 64;
  }

 private:
  static constexpr uint64_t kEmpty = 0;

  // Hash 0 marks an empty slot: it is stored as 1.
  static uint64_t Stored(uint64_t hash) { return hash == kEmpty ? 1 : hash; }
  size_t Home(uint64_t v) const {
    return static_cast<size_t>((v * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  size_t Next(size_t i) const { return (i + 1) & (slots_.size() - 1); }

  void Grow() {
    std::vector<uint64_t> old = std::exchange(slots_, {});
    const size_t capacity = std::max<size_t>(16, old.size() * 2);
    slots_.assign(capacity, kEmpty);
    shift_ = 64 - std::countr_zero(capacity);
    for (uint64_t v : old) {
      if (v == kEmpty) continue;
      size_t i = Home(v);
      while (slots_[i] != kEmpty) i = Next(i);
      slots_[i] = v;
    }
  }

  std::vector<uint64_t> slots_;  // a power of two of them, or none
  size_t size_ = 0;
  int shift_ = 64;
};

// The hash of a record's key as the row's identity: with a schema registry
// the Confluent header (its schema id changes when the schema does) is left
// out.
uint64_t KeyHash(const KafkaConfig& config, const RdKafka::Message& msg) {
  std::string_view key(static_cast<const char*>(msg.key_pointer()), msg.key_len());
  if (config.format == EventFormat::kProtobuf && config.schema_registry) {
    Result<ConfluentHeader> header = ParseConfluentHeader(key);
    if (header.ok()) key.remove_prefix(header->payload_offset);
  }
  return std::hash<std::string_view>{}(key);
}

// The value of the message's last cdc-op header; empty without one.
std::string OpOf(RdKafka::Message& msg) {
  static const std::string kName(kHeaderOp);
  RdKafka::Headers* headers = msg.headers();
  if (headers == nullptr) return {};
  const RdKafka::Headers::Header op = headers->get_last(kName);
  if (op.err() != RdKafka::ERR_NO_ERROR || op.value() == nullptr) return {};
  return std::string(op.value_string(), op.value_size());
}

int RemainingMs(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<int64_t>(left, 1));
}

// A consumer of the user's cluster that commits nothing (see
// NewReadingConsumer).
Result<std::unique_ptr<RdKafka::KafkaConsumer>> NewConsumer(const KafkaConfig& config,
                                                            bool read_committed,
                                                            KafkaEventLogger& events) {
  return NewReadingConsumer(config, read_committed, "cdc-agent-topic-scan-", events);
}

struct Watermarks {
  int64_t low = 0;
  int64_t high = 0;
};
using WatermarksByPartition = std::map<int32_t, Watermarks>;

// The watermarks of every partition of `topic` as `consumer` sees them
// (see NewConsumer); empty when the topic does not exist.
Result<WatermarksByPartition> QueryWatermarks(RdKafka::KafkaConsumer& consumer,
                                                      const std::string& topic,
                                                      const std::string& where,
                                                      Clock::time_point deadline,
                                                      const std::atomic<bool>* stop) {
  // Looked for in the list of all topics: asking for the topic by name could
  // make a broker with auto.create.topics.enable create it.
  RdKafka::Metadata* raw = nullptr;
  RdKafka::ErrorCode err = consumer.metadata(true, nullptr, &raw, RemainingMs(deadline));
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  if (err != RdKafka::ERR_NO_ERROR || !metadata) {
    return Status::IOError(where + ": " + RdKafka::err2str(err) +
                               "; check that the brokers in kafka.brokers are up",
                           /*retryable=*/true);
  }
  WatermarksByPartition out;
  for (const RdKafka::TopicMetadata* t : *metadata->topics()) {
    if (t->topic() != topic || t->err() == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) continue;
    if (t->err() != RdKafka::ERR_NO_ERROR) {
      return Status::IOError(where + ": " + RdKafka::err2str(t->err()) +
                                 "; check that the topic's partitions have a leader",
                             /*retryable=*/true);
    }
    for (const RdKafka::PartitionMetadata* p : *t->partitions()) {
      if (stop != nullptr && stop->load()) return Status::Aborted("stopped");
      Watermarks w;
      err = consumer.query_watermark_offsets(topic, p->id(), &w.low, &w.high,
                                             RemainingMs(deadline));
      if (err != RdKafka::ERR_NO_ERROR) {
        return Status::IOError(where + ": partition " + std::to_string(p->id()) + ": " +
                                   RdKafka::err2str(err) +
                                   "; check that the brokers in kafka.brokers are up",
                               /*retryable=*/true);
      }
      out[p->id()] = w;
    }
  }
  return out;
}

// The high watermarks (records of open transactions included) and the
// first offsets of `topic`'s partitions; empty when it does not exist.
Result<WatermarksByPartition> HighWatermarks(const KafkaConfig& config,
                                                     const std::string& topic,
                                                     const std::string& where,
                                                     Clock::time_point deadline,
                                                     const std::atomic<bool>* stop) {
  KafkaEventLogger events(/*quiet=*/true);
  CDC_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::KafkaConsumer> consumer,
                       NewConsumer(config, /*read_committed=*/false, events));
  Result<WatermarksByPartition> out =
      QueryWatermarks(*consumer, topic, where, deadline, stop);
  consumer->close();
  return out;
}

// Reads the partitions of `topic` in `ends` with read_committed from their
// start and hands each record below its partition's end to `visit`, in
// offset order per partition. `visit(msg)` returns false when it needs
// nothing more of that partition. Gives up when no record comes for
// `idle_ms`; calls `tick` (when set) about once a second.
template <typename Visit>
Status ReadPartitions(const KafkaConfig& config, const std::string& topic,
                      std::map<int32_t, int64_t> ends, const std::string& where, int idle_ms,
                      const std::atomic<bool>* stop, const std::function<Status()>& tick,
                      Visit&& visit) {
  if (ends.empty()) return Status::OK();
  KafkaEventLogger events(/*quiet=*/true);
  CDC_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::KafkaConsumer> consumer,
                       NewConsumer(config, /*read_committed=*/true, events));
  std::vector<RdKafka::TopicPartition*> assignment;
  for (const auto& [partition, end] : ends) {
    assignment.push_back(
        RdKafka::TopicPartition::create(topic, partition, RdKafka::Topic::OFFSET_BEGINNING));
  }
  RdKafka::ErrorCode err = consumer->assign(assignment);
  RdKafka::TopicPartition::destroy(assignment);
  if (err != RdKafka::ERR_NO_ERROR) {
    return Status::IOError(where + ": " + RdKafka::err2str(err), /*retryable=*/true);
  }
  // A partition done with is paused: nothing more of it is fetched.
  auto done = [&](std::map<int32_t, int64_t>::iterator it) {
    std::vector<RdKafka::TopicPartition*> partition = {
        RdKafka::TopicPartition::create(topic, it->first)};
    consumer->pause(partition);
    RdKafka::TopicPartition::destroy(partition);
    ends.erase(it);
  };
  Status status;
  auto deadline = Clock::now() + std::chrono::milliseconds(idle_ms);
  auto next_tick = Clock::now() + std::chrono::seconds(1);
  while (!ends.empty()) {
    if (stop != nullptr && stop->load()) {
      status = Status::Aborted("stopped");
      break;
    }
    if (tick && Clock::now() >= next_tick) {
      status = tick();
      if (!status.ok()) break;
      next_tick = Clock::now() + std::chrono::seconds(1);
    }
    if (Clock::now() >= deadline) {
      status = Status::IOError(
          where + ": no record for " + FormatSeconds(idle_ms) +
              " before its end; check for a transaction another producer left open on it, and "
              "that the brokers in kafka.brokers are up",
          /*retryable=*/true);
      break;
    }
    std::unique_ptr<RdKafka::Message> msg(consumer->consume(std::min(200, RemainingMs(deadline))));
    if (msg->err() == RdKafka::ERR__TIMED_OUT) continue;
    auto it = ends.find(msg->partition());
    if (msg->err() == RdKafka::ERR__PARTITION_EOF) {
      // With read_committed a partition ends, for now, at the first record
      // of a transaction still open: read on until it ends.
      if (it != ends.end() && msg->offset() >= it->second) done(it);
      continue;
    }
    if (msg->err() != RdKafka::ERR_NO_ERROR) {
      status = Status::IOError(where + ": " + msg->errstr() +
                                   "; check that the brokers in kafka.brokers are up",
                               /*retryable=*/true);
      break;
    }
    deadline = Clock::now() + std::chrono::milliseconds(idle_ms);
    if (it == ends.end()) continue;
    if (msg->offset() >= it->second) {  // published after the read began
      done(it);
      continue;
    }
    if (!visit(*msg) || msg->offset() + 1 >= it->second) done(it);
  }
  consumer->close();
  return status;
}

}  // namespace

Result<std::map<int32_t, int64_t>> TopicEndOffsets(const KafkaConfig& config,
                                                   const std::string& topic, int timeout_ms,
                                                   const std::atomic<bool>* stop) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  CDC_ASSIGN_OR_RETURN(
      WatermarksByPartition watermarks,
      HighWatermarks(config, topic, "kafka: reading the end offsets of topic " + topic, deadline,
                     stop));
  std::map<int32_t, int64_t> out;
  for (const auto& [partition, w] : watermarks) out[partition] = w.high;
  return out;
}

Result<std::vector<TopicKey>> UntouchedLiveKeys(const KafkaConfig& config,
                                                const std::string& topic,
                                                const std::map<int32_t, int64_t>& marks,
                                                int idle_ms, const std::atomic<bool>* stop,
                                                const std::function<Status()>& tick) {
  const std::string where =
      "kafka: reading topic " + topic + " for keys the snapshot did not write";
  const auto deadline = Clock::now() + std::chrono::milliseconds(idle_ms);
  CDC_ASSIGN_OR_RETURN(WatermarksByPartition watermarks,
                       HighWatermarks(config, topic, where, deadline, stop));
  // A partition that now ends before its mark was emptied since (the topic
  // re-created, or truncated by an unclean leader election): what lies
  // below the mark is no longer what the topic held then.
  for (const auto& [partition, mark] : marks) {
    auto w = watermarks.find(partition);
    const int64_t high = w == watermarks.end() ? 0 : w->second.high;
    if (high < mark) {
      return Status::NotSupported("partition " + std::to_string(partition) + " of topic " +
                                  topic + " ends at offset " + std::to_string(high) +
                                  ", before the " + std::to_string(mark) +
                                  " it had when the table's snapshot began: the topic was "
                                  "re-created or truncated since");
    }
  }
  std::map<int32_t, int64_t> ends;
  for (const auto& [partition, w] : watermarks) {
    if (w.high > w.low) ends[partition] = w.high;
  }

  // Pass 1: per partition the keys live at its mark; over the whole topic
  // the keys written at or after a mark, or in a partition that has none (it
  // was added since): a key may move to another partition when partitions
  // are added.
  std::unordered_map<int32_t, HashSet> live;
  HashSet touched;
  const std::string op_delete(OpName(cdc::v1::OP_DELETE));
  const std::string op_truncate(OpName(cdc::v1::OP_TRUNCATE));
  CDC_RETURN_IF_ERROR(ReadPartitions(
      config, topic, ends, where, idle_ms, stop, tick, [&](RdKafka::Message& msg) {
        auto mark = marks.find(msg.partition());
        const bool before_mark = mark != marks.end() && msg.offset() < mark->second;
        const std::string op = OpOf(msg);
        if (op == op_truncate) {
          if (before_mark) live[msg.partition()].Clear();
          return true;
        }
        if (msg.key_pointer() == nullptr) return true;
        const uint64_t hash = KeyHash(config, msg);
        if (!before_mark) {
          touched.Insert(hash);
        } else if (msg.payload() != nullptr && op != op_delete) {
          live[msg.partition()].Insert(hash);
        } else {
          live[msg.partition()].Erase(hash);
        }
        return true;
      }));

  // The candidates: live at a mark and not touched since.
  std::unordered_map<int32_t, HashSet> candidates;
  std::map<int32_t, int64_t> candidate_ends;
  for (auto& [partition, keys] : live) {
    HashSet left;
    keys.ForEach([&](uint64_t hash) {
      if (!touched.Contains(hash)) left.Insert(hash);
    });
    keys.Clear();
    if (left.empty()) continue;
    candidate_ends[partition] = std::min(marks.at(partition), ends.at(partition));
    candidates[partition] = std::move(left);
  }
  touched.Clear();
  std::vector<TopicKey> out;
  if (candidate_ends.empty()) return out;

  // Pass 2: the bytes of the candidates, from their records below the mark.
  CDC_RETURN_IF_ERROR(ReadPartitions(
      config, topic, candidate_ends, where, idle_ms, stop, tick, [&](RdKafka::Message& msg) {
        HashSet& keys = candidates[msg.partition()];
        if (msg.key_pointer() == nullptr || OpOf(msg) == op_truncate) return true;
        const uint64_t hash = KeyHash(config, msg);
        if (keys.Contains(hash)) {
          out.push_back({std::string(static_cast<const char*>(msg.key_pointer()), msg.key_len()),
                         msg.partition()});
          keys.Erase(hash);
        }
        return !keys.empty();
      }));
  return out;
}

}  // namespace cdc::agent
