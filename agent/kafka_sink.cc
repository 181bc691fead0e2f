#include "agent/kafka_sink.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "agent/kafka_admin.h"
#include "agent/kafka_common.h"
#include "agent/kafka_offsets.h"

namespace cdc::agent {
namespace {

struct BatchTrack;

// What a message's opaque points to: the batch it belongs to, and whether it
// is an extra message of an event (a tombstone, or a TRUNCATE's copy for
// another partition), not counted in in_flight/events_acked.
struct TrackPart {
  BatchTrack* batch;
  bool extra;
};

// Delivery state of one sent batch. Lives in a deque, whose elements keep
// their address while batches are added at the back and retired at the front.
struct BatchTrack {
  BatchTrack(uint64_t sequence, std::optional<offsets::Position> end)
      : seq(sequence), end_position(std::move(end)) {}
  BatchTrack(const BatchTrack&) = delete;
  BatchTrack& operator=(const BatchTrack&) = delete;

  const uint64_t seq;
  std::optional<offsets::Position> end_position;
  uint64_t outstanding = 0;  // produced, delivery not yet reported
  bool sealed = false;       // every message of the batch has been produced
  bool failed = false;
  TrackPart event_part{this, false};
  TrackPart extra_part{this, true};
};

// The brokers cannot be reached or did not answer in time.
bool IsOutage(RdKafka::ErrorCode err) {
  switch (err) {
    case RdKafka::ERR__MSG_TIMED_OUT:
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__TRANSPORT:
    case RdKafka::ERR__ALL_BROKERS_DOWN:
    case RdKafka::ERR_REQUEST_TIMED_OUT:
      return true;
    default:
      return false;
  }
}

// Errors that pass with time: an outage, or replicas out of sync for a
// while; the brokers may take the messages later.
bool PassesWithTime(RdKafka::ErrorCode err) {
  return IsOutage(err) || err == RdKafka::ERR_NOT_ENOUGH_REPLICAS ||
         err == RdKafka::ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
}

std::string_view HintFor(RdKafka::ErrorCode err) {
  if (IsOutage(err)) return "check that the brokers in kafka.brokers are up";
  switch (err) {
    case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
    case RdKafka::ERR__UNKNOWN_TOPIC:
    case RdKafka::ERR__UNKNOWN_PARTITION:
      return "create the topic, or set auto.create.topics.enable=true on the brokers";
    case RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED:
    case RdKafka::ERR_CLUSTER_AUTHORIZATION_FAILED:
      return "grant the agent's Kafka principal Write on the topic and IdempotentWrite on the "
             "cluster";
    case RdKafka::ERR_MSG_SIZE_TOO_LARGE:
      return "the event is larger than a Kafka message may be: raise the agent's "
             "kafka.properties.message.max.bytes (default 1048588, the brokers' default) and "
             "the brokers' message.max.bytes or the topic's max.message.bytes together";
    case RdKafka::ERR_INVALID_RECORD:
      return "a compacted topic (cleanup.policy=compact) refuses messages without a key, which "
             "rows of a table without a primary key have: give the table a primary key, or "
             "use a topic with cleanup.policy=delete";
    case RdKafka::ERR_NOT_ENOUGH_REPLICAS:
    case RdKafka::ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return "fewer replicas are in sync than the topic's min.insync.replicas: check the brokers";
    default:
      return "see the kafka log lines before this one";
  }
}

// How long an abort may take before the agent gives up on it (the brokers
// then abort the transaction at transaction.timeout.ms).
constexpr int kAbortTimeoutMs = 5000;
// How often an idle exactly-once sink checks with a transaction that it has
// not been fenced.
constexpr auto kIdleCheck = std::chrono::seconds(5);
// librdkafka's queue in KiB (queue.buffering.max.kbytes) unless
// message.max.bytes or kafka.properties asks for more. 8 MiB holds the
// 10,000 messages of queue.buffering.max.messages up to 800 bytes each;
// draining 200,000 rows of 2 KB from MariaDB it went as fast as 16 MiB
// and librdkafka's 1 GiB, with 10 MB less at the peak than either.
constexpr uint64_t kDefaultQueueKbytes = 8 * 1024;

class RdKafkaSink final : public KafkaSink {
 public:
  RdKafkaSink(const KafkaConfig& config, DurableCallback on_durable,
              const std::atomic<bool>* stop)
      : config_(config),
        on_durable_(std::move(on_durable)),
        stop_(stop),
        encoder_(config_),
        reports_(this) {}

  ~RdKafkaSink() override {
    if (!producer_) return;
    if (txn_open_ && events_.fatal_error().empty()) {
      // Ends the transaction now rather than at transaction.timeout.ms, so
      // read_committed consumers are not held behind it.
      producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT |
                       RdKafka::Producer::PURGE_NON_BLOCKING);
      delete producer_->abort_transaction(kAbortTimeoutMs);
    }
    if (in_flight_ > 0) {
      KafkaLogger()->warn("closing the producer with {} events not acknowledged; "
                          "their source positions were not stored",
                          in_flight_);
    }
    producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT |
                     RdKafka::Producer::PURGE_NON_BLOCKING);
    topics_.clear();
  }

  Status Open() {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "bootstrap.servers", config_.brokers, "kafka.brokers"));
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "compression.type", "lz4", "kafka"));
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "linger.ms", "10", "kafka"));
    // librdkafka's own bound (100,000 messages) lets its queue alone hold
    // tens of MB; the agent's batch queues ahead of it already absorb the
    // broker's round trips. 10,000 (twenty batches of the default 500)
    // drained as fast as 20,000 with a few MB less at the peak.
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "queue.buffering.max.messages", "10000", "kafka"));
    // Kafka's Java producer, Streams and Connect partition by murmur2 of the
    // key bytes: the agent's topics co-partition with theirs.
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "partitioner", "murmur2_random", "kafka"));
    // librdkafka's own default (1000000) refuses events the brokers' default
    // message.max.bytes (1048588) accepts.
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "message.max.bytes", "1048588", "kafka"));
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "delivery.timeout.ms",
                                     std::to_string(config_.delivery_timeout_ms),
                                     "kafka.delivery_timeout_ms"));
    if (config_.exactly_once) {
      // A transaction may stay open as long as a message may wait for its
      // acknowledgement (librdkafka requires it).
      CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "transaction.timeout.ms",
                                       std::to_string(config_.delivery_timeout_ms),
                                       "kafka.delivery_timeout_ms"));
    }
    for (const auto& [key, value] : config_.properties) {
      CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, key, value, "kafka.properties." + key));
    }
    txn_timeout_ms_ = config_.delivery_timeout_ms;
    if (std::string set; conf->get("transaction.timeout.ms", set) == RdKafka::Conf::CONF_OK) {
      txn_timeout_ms_ = std::atoll(set.c_str());
    }
    CDC_RETURN_IF_ERROR(BoundQueueBytes(conf.get()));
    // Set last so that no property can weaken them: a position is stored
    // only for events every in-sync replica has.
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "enable.idempotence", "true", "kafka"));
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "acks", "all", "kafka"));
    if (config_.exactly_once) {
      CDC_RETURN_IF_ERROR(
          SetKafkaConf(*conf, "transactional.id", config_.transactional_id, "kafka"));
    }
    std::string errstr;
    if (conf->set("dr_cb", &reports_, errstr) != RdKafka::Conf::CONF_OK ||
        conf->set("event_cb", &events_, errstr) != RdKafka::Conf::CONF_OK) {
      return Status::InvalidArgument("kafka: " + errstr);
    }
    producer_.reset(RdKafka::Producer::create(conf.get(), errstr));
    if (!producer_) {
      return Status::InvalidArgument(
          "kafka: cannot create the producer: " + errstr +
          (errstr.find("transaction.timeout.ms") != std::string::npos
               ? " (kafka.delivery_timeout_ms sets message.timeout.ms; keep "
                 "kafka.properties.transaction.timeout.ms at least as long)"
               : ""));
    }
    CDC_RETURN_IF_ERROR(encoder_.Open());
    if (!config_.exactly_once) return Status::OK();
    CDC_RETURN_IF_ERROR(EnsureOffsetsTopic(producer_->c_ptr(), config_, stop_));
    std::unique_ptr<RdKafka::Topic> offsets(
        RdKafka::Topic::create(producer_.get(), config_.offsets_topic, nullptr, errstr));
    if (!offsets) {
      return Status::InvalidArgument("kafka.offsets_topic: bad topic name '" +
                                     config_.offsets_topic + "': " + errstr);
    }
    offsets_topic_ = std::move(offsets);
    // Registers the transactional.id with the brokers: a producer still
    // running with it (another agent of this name) is fenced, and the
    // transaction a previous run left open is aborted.
    return TransactionCall("starting", [&] {
      return producer_->init_transactions(config_.delivery_timeout_ms);
    });
  }

  // librdkafka's queue holds up to 1 GiB of messages by default
  // (queue.buffering.max.kbytes): with large rows, tens of thousands of
  // events' copies. The agent bounds it by bytes too, at
  // kDefaultQueueKbytes or twice message.max.bytes if more, unless
  // kafka.properties sets it; then it must hold one message of
  // message.max.bytes, or librdkafka would refuse such a message forever
  // as a full queue.
  Status BoundQueueBytes(RdKafka::Conf* conf) {
    std::string text;
    if (conf->get("message.max.bytes", text) != RdKafka::Conf::CONF_OK) {
      return Status::InvalidArgument("kafka: cannot read message.max.bytes back");
    }
    const uint64_t message_max = std::strtoull(text.c_str(), nullptr, 10);
    const uint64_t needed_kb = (message_max + 1023) / 1024;
    auto set = config_.properties.find("queue.buffering.max.kbytes");
    if (set == config_.properties.end()) {
      return SetKafkaConf(*conf, "queue.buffering.max.kbytes",
                          std::to_string(std::max<uint64_t>(kDefaultQueueKbytes, 2 * needed_kb)),
                          "kafka");
    }
    if (conf->get("queue.buffering.max.kbytes", text) != RdKafka::Conf::CONF_OK) {
      return Status::InvalidArgument("kafka: cannot read queue.buffering.max.kbytes back");
    }
    if (std::strtoull(text.c_str(), nullptr, 10) < needed_kb) {
      return Status::InvalidArgument(
          "kafka.properties.queue.buffering.max.kbytes: " + text +
          " KB cannot hold one message of message.max.bytes (" + std::to_string(message_max) +
          " bytes); set it to at least " + std::to_string(needed_kb) +
          ", or leave it out for the agent's bound");
    }
    return Status::OK();
  }

  Status Send(Batch batch) override {
    CDC_RETURN_IF_ERROR(CheckFailed());
    Result<EncodedBatch> encoded = encoder_.Encode(std::move(batch), stop_);
    if (!encoded.ok()) return Fail(encoded.status());
    return Send(std::move(*encoded));
  }

  Status Send(EncodedBatch batch) override {
    CDC_RETURN_IF_ERROR(CheckFailed());
    if (config_.exactly_once) return SendInTransaction(std::move(batch));
    std::optional<offsets::Position> end = std::move(batch.end_position);
    return Produce(batch, std::move(end));
  }

  // Produces every event of `batch`; `end` is reported durable (at least
  // once) when they and all before them are acknowledged.
  Status Produce(const EncodedBatch& batch, std::optional<offsets::Position> end) {
    BatchTrack& track = tracks_.emplace_back(next_seq_++, std::move(end));
    batch.HeaderViews(batch.tombstone_headers_begin, batch.tombstone_headers_end,
                      &tombstone_headers_);
    for (size_t i = 0; i < batch.messages.size(); ++i) {
      const EncodedBatch::Message& m = batch.messages[i];
      CDC_ASSIGN_OR_RETURN(RdKafka::Topic * topic, TopicFor(batch.topics[m.topic]));
      const std::string_view value = batch.Value(m);
      const void* key = m.has_key ? batch.Key(m).data() : nullptr;
      const size_t key_len = m.has_key ? m.key_size : 0;
      batch.HeaderViews(m.headers_begin, m.headers_end, &headers_);
      const std::vector<HeaderView>& headers = headers_;
      if (m.every_partition) {
        // Each partition's consumer sees the TRUNCATE in order with the
        // rows of that partition.
        CDC_ASSIGN_OR_RETURN(int32_t partitions, PartitionCount(topic));
        for (int32_t p = 0; p < partitions; ++p) {
          CDC_RETURN_IF_ERROR(Produce(topic, partitions == 1 ? RdKafka::Topic::PARTITION_UA : p,
                                      value.data(), value.size(), key, key_len, &headers,
                                      p == 0 ? &track.event_part : &track.extra_part));
        }
        continue;
      }
      const int32_t partition = m.partition >= 0 ? m.partition : RdKafka::Topic::PARTITION_UA;
      CDC_RETURN_IF_ERROR(Produce(topic, partition, value.data(), value.size(), key, key_len,
                                  &headers, &track.event_part));
      if (config_.tombstones && key != nullptr && m.is_delete) {
        CDC_RETURN_IF_ERROR(Produce(topic, partition, nullptr, 0, key, key_len,
                                    &tombstone_headers_, &track.extra_part));
      }
    }
    track.sealed = true;
    return Status::OK();
  }

  Status Poll(int timeout_ms) override {
    producer_->poll(timeout_ms);
    RetireAcknowledged();
    CDC_RETURN_IF_ERROR(CheckFailed());
    return MaybeCommit();
  }

  Status Flush(int timeout_ms) override {
    if (config_.exactly_once) {
      CDC_RETURN_IF_ERROR(CheckFailed());
      if (txn_open_ && !txn_resumable_) return AbortUnresumable(timeout_ms);
      return txn_open_ ? Commit(timeout_ms) : Status::OK();
    }
    const RdKafka::ErrorCode err = producer_->flush(timeout_ms);
    RetireAcknowledged(/*now=*/true);
    CDC_RETURN_IF_ERROR(CheckFailed());
    if (err != RdKafka::ERR_NO_ERROR || in_flight_ > 0) {
      return Status::IOError("kafka: " + std::to_string(in_flight_) +
                                 " events not acknowledged within " + std::to_string(timeout_ms) +
                                 " ms; check that the brokers in kafka.brokers are up",
                             /*retryable=*/true);
    }
    return Status::OK();
  }

  void ReportAcknowledged() override {
    if (!config_.exactly_once) RetireAcknowledged(/*now=*/true);
  }

  uint64_t in_flight() const override { return in_flight_; }
  uint64_t events_acked() const override { return events_acked_; }
  uint64_t commits() const override { return commits_; }
  std::chrono::milliseconds commit_wait() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(commit_wait_);
  }

  // Exactly once: the batch joins the open Kafka transaction (begun if none
  // is), and its position and states become the ones that transaction
  // commits. Batches are whole, so a commit always ends at a batch end, and
  // only at the end of a batch with a position: the events of a batch
  // without one (a table read whole, handed over in parts) wait in the open
  // transaction for the batch whose position covers them.
  Status SendInTransaction(EncodedBatch batch) {
    if (!txn_open_) {
      CDC_RETURN_IF_ERROR(
          TransactionCall("beginning", [&] { return producer_->begin_transaction(); }));
      txn_open_ = true;
      txn_started_ = std::chrono::steady_clock::now();
      txn_events_ = 0;
    }
    if (batch.end_position) {
      pending_position_ = std::move(batch.end_position);
      txn_resumable_ = true;
    } else if (!batch.messages.empty() || !batch.states.empty()) {
      txn_resumable_ = false;
    }
    for (auto& [name, value] : batch.states) pending_states_[name] = std::move(value);
    ++batches_sent_;
    txn_events_ += batch.messages.size();
    CDC_RETURN_IF_ERROR(Produce(batch, std::nullopt));
    return MaybeCommit();
  }

  Status MaybeCommit() {
    if (!txn_open_) {
      // Idle: a small transaction that records the committed position again
      // now and then tells an agent that another agent of its name has
      // fenced it, so it stops (and lets go of a replication slot) at once.
      if (config_.exactly_once && committed_position_ &&
          std::chrono::steady_clock::now() - last_commit_ >= kIdleCheck) {
        CDC_RETURN_IF_ERROR(
            TransactionCall("beginning", [&] { return producer_->begin_transaction(); }));
        txn_open_ = true;
        txn_started_ = std::chrono::steady_clock::now();
        txn_events_ = 0;
        return Commit(config_.delivery_timeout_ms, /*rewrite_position=*/true);
      }
      return Status::OK();
    }
    if (!txn_resumable_) {
      // Such a transaction commits only at the batch with a position; the
      // brokers abort it at transaction.timeout.ms, and a restart would
      // send it all again to meet the same end.
      const auto open_for = std::chrono::steady_clock::now() - txn_started_;
      if (open_for >= std::chrono::milliseconds(txn_timeout_ms_) * 9 / 10) {
        return Fail(Status::IOError(
            "kafka: a table read whole (the snapshot of a table without a primary key) is "
            "published in one transaction, which has been open " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(open_for).count()) +
            " s with " + std::to_string(txn_events_) +
            " events, near its timeout of " + std::to_string(txn_timeout_ms_ / 1000) +
            " s (kafka.delivery_timeout_ms, or kafka.properties.transaction.timeout.ms): give "
            "the table a primary key, or raise that timeout (at most the brokers' "
            "transaction.max.timeout.ms)"));
      }
      return Status::OK();
    }
    if (txn_events_ < static_cast<uint64_t>(config_.commit_max_events) &&
        std::chrono::steady_clock::now() - txn_started_ <
            std::chrono::milliseconds(config_.commit_interval_ms)) {
      return Status::OK();
    }
    return Commit(config_.delivery_timeout_ms);
  }

  // Stopping with events in the open transaction that no position covers
  // yet: committed, they would come again from the position before them.
  // Aborted, none of them is seen, and the next run sends them again.
  // The events are delivered first, so that none fails as purged.
  Status AbortUnresumable(int timeout_ms) {
    KafkaLogger()->info("stopping inside a part of the source read whole (a table without a "
                        "key): its {} events sent so far are aborted and come again at the "
                        "next start", txn_events_);
    producer_->flush(timeout_ms);
    CDC_RETURN_IF_ERROR(CheckFailed());
    std::unique_ptr<RdKafka::Error> aborted(producer_->abort_transaction(kAbortTimeoutMs));
    txn_open_ = false;
    RetireAcknowledged();
    Status result = CheckFailed();
    if (result.ok() && aborted) {
      result = Status::IOError("kafka: aborting a transaction failed: " + aborted->str() +
                                   " (the brokers abort it at transaction.timeout.ms)",
                               /*retryable=*/true);
    }
    // The batches' states went with them, and the batches no longer count
    // as sent: the sink takes nothing more.
    pending_states_.clear();
    pending_position_ = committed_position_;
    (void)Fail(Status::Aborted("kafka: the sink aborted its transaction at a stop"));
    return result;
  }

  // Adds the position and states to the open transaction and commits it;
  // then reports the position durable.
  Status Commit(int timeout_ms, bool rewrite_position = false) {
    const bool new_position = pending_position_ && pending_position_ != committed_position_;
    if (new_position || (rewrite_position && pending_position_)) {
      const std::string value = pending_position_->Encode();
      CDC_RETURN_IF_ERROR(ProduceOffsetsRecord(config_.offsets_key, value));
    }
    for (const auto& [name, value] : pending_states_) {
      CDC_RETURN_IF_ERROR(ProduceOffsetsRecord(OffsetsStateKey(config_, name), value));
    }
    const auto commit_started = std::chrono::steady_clock::now();
    const auto deadline = commit_started + std::chrono::milliseconds(timeout_ms);
    Status s = TransactionCall("committing", [&] {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      return producer_->commit_transaction(static_cast<int>(std::max<int64_t>(left.count(), 1)));
    }, deadline);
    commit_wait_ += std::chrono::steady_clock::now() - commit_started;
    RetireAcknowledged();
    if (!s.ok()) return s;
    txn_open_ = false;
    pending_states_.clear();
    last_commit_ = std::chrono::steady_clock::now();
    ++commits_;
    if (new_position) committed_position_ = pending_position_;
    // Also without a new position: the batches' states are committed.
    if (committed_position_ && (new_position || batches_sent_ > batches_reported_)) {
      batches_reported_ = batches_sent_;
      on_durable_(*committed_position_, batches_sent_);
    }
    return CheckFailed();
  }

  // An empty value is a tombstone: a state that is gone (a joined row
  // deleted) leaves the compacted topic.
  Status ProduceOffsetsRecord(const std::string& key, const std::string& value) {
    while (true) {
      const RdKafka::ErrorCode err = producer_->produce(
          offsets_topic_.get(), 0, RdKafka::Producer::RK_MSG_COPY,
          value.empty() ? nullptr : const_cast<char*>(value.data()), value.size(), key.data(),
          key.size(), nullptr);
      if (err == RdKafka::ERR_NO_ERROR) return Status::OK();
      if (err != RdKafka::ERR__QUEUE_FULL) {
        return Fail(Status::IOError("kafka: cannot produce to the offsets topic " +
                                    config_.offsets_topic + ": " + RdKafka::err2str(err) + "; " +
                                    std::string(HintFor(err))));
      }
      // Many states at once (a joined table's snapshot): make room.
      producer_->poll(100);
      CDC_RETURN_IF_ERROR(CheckFailed());
    }
  }

  // Runs a transactional call (init, begin, commit): retries what librdkafka
  // says may be retried until `deadline`, aborts the transaction when it
  // must be, and turns the rest into the sink's error. After an abort the
  // pipeline stops with a retryable error: nothing of the transaction is
  // visible, and the next run resumes from the last committed position.
  template <typename Call>
  Status TransactionCall(const char* what, Call call,
                         std::optional<std::chrono::steady_clock::time_point> deadline = {}) {
    if (!deadline) {
      deadline = std::chrono::steady_clock::now() +
                 std::chrono::milliseconds(config_.delivery_timeout_ms);
    }
    while (true) {
      std::unique_ptr<RdKafka::Error> error(call());
      if (!error) return Status::OK();
      if (error->is_fatal() || IsFenced(error->code())) return Fail(FatalTransactionError(*error));
      const std::string text = "kafka: " + std::string(what) + " a transaction failed: " +
                               error->str() + "; " + std::string(HintFor(error->code()));
      if (error->txn_requires_abort()) {
        std::unique_ptr<RdKafka::Error> aborted(producer_->abort_transaction(kAbortTimeoutMs));
        txn_open_ = false;
        return Fail(Status::IOError(text + " (the transaction was aborted: nothing of it is "
                                           "visible to read_committed consumers)",
                                    /*retryable=*/true));
      }
      if (!error->is_retriable() || std::chrono::steady_clock::now() >= *deadline ||
          (stop_ != nullptr && stop_->load())) {
        return Fail(Status::IOError(text, /*retryable=*/true));
      }
      KafkaLogger()->warn("{}; trying again", text);
      producer_->poll(200);
    }
  }

  Status FatalTransactionError(const RdKafka::Error& error) const {
    if (IsFenced(error.code())) return Status::IOError(FencedMessage(config_.transactional_id));
    Status fatal = FatalError();
    if (fatal.message() == FencedMessage(config_.transactional_id)) return fatal;
    return Status::IOError("kafka producer failed fatally: " + error.str());
  }

  // Called from poll()/flush() on the sink thread.
  void OnDelivery(RdKafka::Message& message) {
    auto* part = static_cast<TrackPart*>(message.msg_opaque());
    if (part == nullptr) return;
    BatchTrack& track = *part->batch;
    --track.outstanding;
    if (!part->extra) --in_flight_;
    if (message.err() == RdKafka::ERR_NO_ERROR) {
      if (!part->extra) ++events_acked_;
      return;
    }
    track.failed = true;
    if (error_.ok()) {
      KafkaLogger()->error("delivery of batch {} failed: {}", track.seq, message.errstr());
      error_ = Status::IOError("kafka delivery failed for topic " + message.topic_name() + ": " +
                                   message.errstr() + "; " + std::string(HintFor(message.err())),
                               /*retryable=*/PassesWithTime(message.err()));
    }
  }

 private:
  class DeliveryReports : public RdKafka::DeliveryReportCb {
   public:
    explicit DeliveryReports(RdKafkaSink* sink) : sink_(sink) {}
    void dr_cb(RdKafka::Message& message) override { sink_->OnDelivery(message); }

   private:
    RdKafkaSink* const sink_;
  };

  // Produces one message; `headers` may be null (none). Retries while
  // librdkafka's queue is full.
  Status Produce(RdKafka::Topic* topic, int32_t partition, const char* payload, size_t len,
                 const void* key, size_t key_len,
                 const std::vector<HeaderView>* headers, TrackPart* part) {
    for (;;) {
      rd_kafka_headers_t* hdrs = nullptr;
      if (headers != nullptr) {
        hdrs = rd_kafka_headers_new(headers->size());
        for (const auto& [name, value] : *headers) {
          rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                              static_cast<ssize_t>(value.size()));
        }
      }
      // RD_KAFKA_MSG_F_COPY: librdkafka copies value and key before it
      // returns, so value_buf_/key_buf_ stay ours and are reused for the next
      // event. On success it owns the headers.
      const auto err = static_cast<RdKafka::ErrorCode>(rd_kafka_producev(
          producer_->c_ptr(), RD_KAFKA_V_RKT(topic->c_ptr()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(const_cast<char*>(payload), len),
          RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(part),
          RD_KAFKA_V_END));
      if (err == RdKafka::ERR_NO_ERROR) {
        ++part->batch->outstanding;
        if (!part->extra) ++in_flight_;
        return Status::OK();
      }
      if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);
      if (err == RdKafka::ERR__FATAL) return Fail(FatalError());
      if (err != RdKafka::ERR__QUEUE_FULL) {
        return Fail(Status::IOError("kafka: cannot produce to topic " + topic->name() + ": " +
                                    RdKafka::err2str(err) + "; " + std::string(HintFor(err))));
      }
      // The queue is full: the broker is slower than the source. Serving
      // delivery reports here makes room and holds the reader back.
      producer_->poll(100);
      CDC_RETURN_IF_ERROR(CheckFailed());
      if (stop_ != nullptr && stop_->load()) {
        auto now = std::chrono::steady_clock::now();
        if (!stop_deadline_) stop_deadline_ = now + std::chrono::milliseconds(kStopGraceMs);
        if (now >= *stop_deadline_) {
          return Status::IOError("kafka: stopping while the brokers take no more messages: " +
                                     std::to_string(in_flight_) +
                                     " events not acknowledged, their positions not stored; "
                                     "check that the brokers in kafka.brokers are up",
                                 /*retryable=*/true);
        }
      }
    }
  }

  Result<RdKafka::Topic*> TopicFor(const std::string& name) {
    if (last_topic_ != nullptr && *last_topic_name_ == name) return last_topic_;
    auto it = topics_.find(name);
    if (it == topics_.end()) {
      if (config_.topics_create.enabled) {
        if (Status s = CreateTopic(name); !s.ok()) return Fail(s);
      }
      std::string errstr;
      std::unique_ptr<RdKafka::Topic> topic(
          RdKafka::Topic::create(producer_.get(), name, nullptr, errstr));
      if (!topic) {
        return Fail(Status::InvalidArgument("kafka: bad topic name '" + name + "': " + errstr));
      }
      it = topics_.emplace(name, std::move(topic)).first;
    }
    last_topic_name_ = &it->first;
    last_topic_ = it->second.get();
    return last_topic_;
  }

  // Creates `name` with kafka.topics.create's settings unless it exists.
  Status CreateTopic(const std::string& name) {
    const TopicCreateConfig& c = config_.topics_create;
    return CreateTopicIfMissing(producer_->c_ptr(), name, c.partitions, c.replication_factor,
                                c.config, "kafka.topics.create", stop_);
  }

  // The number of partitions of `topic`, asked from the brokers (a topic may
  // gain partitions while the agent runs). A topic that is being created
  // automatically is asked again for up to 10 s.
  Result<int32_t> PartitionCount(RdKafka::Topic* topic) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string last_error;
    while (std::chrono::steady_clock::now() < deadline && !(stop_ != nullptr && stop_->load())) {
      RdKafka::Metadata* raw = nullptr;
      const RdKafka::ErrorCode err = producer_->metadata(false, topic, &raw, 2000);
      std::unique_ptr<RdKafka::Metadata> metadata(raw);
      if (err == RdKafka::ERR_NO_ERROR && metadata && !metadata->topics()->empty()) {
        const RdKafka::TopicMetadata* t = metadata->topics()->front();
        if (t->err() == RdKafka::ERR_NO_ERROR && !t->partitions()->empty()) {
          return static_cast<int32_t>(t->partitions()->size());
        }
        last_error = RdKafka::err2str(t->err());
      } else {
        last_error = RdKafka::err2str(err);
      }
      producer_->poll(200);
      CDC_RETURN_IF_ERROR(CheckFailed());
    }
    return Fail(Status::IOError("kafka: cannot learn the partitions of topic " + topic->name() +
                                    " to send a TRUNCATE to each: " + last_error +
                                    "; check that the brokers in kafka.brokers are up and the "
                                    "topic exists",
                                /*retryable=*/true));
  }

  // Retires, in batch order, the batches that are fully acknowledged with
  // every batch before them. At least once, the last of their positions is
  // reported durable at most every commit_interval_ms (or at once with
  // `now`): each report is a synced write of the offsets store, and one per
  // batch held the sink thread long enough to slow a PostgreSQL drain by a
  // quarter.
  void RetireAcknowledged(bool now = false) {
    while (!tracks_.empty()) {
      BatchTrack& front = tracks_.front();
      if (!front.sealed || front.failed || front.outstanding > 0) break;
      if (front.end_position && !config_.exactly_once) {
        unreported_position_ = std::move(front.end_position);
        unreported_batches_ = front.seq + 1;
      }
      tracks_.pop_front();
    }
    if (!unreported_position_) return;
    const auto at = std::chrono::steady_clock::now();
    if (!now && at - last_report_ < std::chrono::milliseconds(config_.commit_interval_ms)) return;
    last_report_ = at;
    const offsets::Position position = std::move(*unreported_position_);
    unreported_position_.reset();
    on_durable_(position, unreported_batches_);
  }

  Status CheckFailed() {
    if (error_.ok() && !events_.fatal_error().empty()) error_ = FatalError();
    return error_;
  }

  // The producer's fatal error, as librdkafka keeps it.
  Status FatalError() const {
    char text[512] = "";
    const auto code = static_cast<RdKafka::ErrorCode>(
        rd_kafka_fatal_error(producer_->c_ptr(), text, sizeof text));
    if (IsFenced(code) || IsFenced(events_.fatal_code())) {
      return Status::IOError(FencedMessage(config_.transactional_id));
    }
    return Status::IOError("kafka producer failed fatally: " +
                           (text[0] != '\0' ? std::string(text) : events_.fatal_error()));
  }

  Status Fail(Status status) {
    if (error_.ok()) error_ = status;
    return status;
  }

  const KafkaConfig config_;
  const DurableCallback on_durable_;
  const std::atomic<bool>* const stop_;
  BatchEncoder encoder_;  // for Send(Batch)
  std::optional<std::chrono::steady_clock::time_point> stop_deadline_;
  // Callbacks and tracking records outlive the producer (members are
  // destroyed in reverse order).
  DeliveryReports reports_;
  KafkaEventLogger events_;
  std::deque<BatchTrack> tracks_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unordered_map<std::string, std::unique_ptr<RdKafka::Topic>> topics_;
  // Exactly once: the open Kafka transaction, and what its commit records.
  std::unique_ptr<RdKafka::Topic> offsets_topic_;
  bool txn_open_ = false;
  // The open transaction's last batch with events had a position: it may
  // commit.
  bool txn_resumable_ = true;
  // transaction.timeout.ms as set: the brokers abort a transaction open longer.
  int64_t txn_timeout_ms_ = 0;
  std::chrono::steady_clock::time_point txn_started_{};
  std::chrono::steady_clock::time_point last_commit_ = std::chrono::steady_clock::now();
  uint64_t txn_events_ = 0;
  std::optional<offsets::Position> pending_position_;
  std::optional<offsets::Position> committed_position_;
  std::map<std::string, std::string> pending_states_;
  uint64_t commits_ = 0;
  std::chrono::steady_clock::duration commit_wait_{};
  const std::string* last_topic_name_ = nullptr;
  RdKafka::Topic* last_topic_ = nullptr;

  // Reused for each message's headers.
  std::vector<HeaderView> headers_;
  std::vector<HeaderView> tombstone_headers_;
  uint64_t next_seq_ = 0;
  uint64_t batches_sent_ = 0;      // exactly once: batches sent in transactions
  uint64_t batches_reported_ = 0;  // exactly once: the last count reported durable
  // At least once: the last acknowledged position not yet reported durable,
  // with its batch count, and when the last report was.
  std::optional<offsets::Position> unreported_position_;
  uint64_t unreported_batches_ = 0;
  std::chrono::steady_clock::time_point last_report_{};
  uint64_t in_flight_ = 0;
  uint64_t events_acked_ = 0;
  Status error_;
};

}  // namespace

Result<std::unique_ptr<KafkaSink>> NewKafkaSink(const KafkaConfig& config,
                                                KafkaSink::DurableCallback on_durable,
                                                const std::atomic<bool>* stop) {
  auto sink = std::make_unique<RdKafkaSink>(config, std::move(on_durable), stop);
  CDC_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<KafkaSink>(std::move(sink));
}

}  // namespace cdc::agent
