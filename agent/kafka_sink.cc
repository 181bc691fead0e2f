#include "agent/kafka_sink.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "agent/event_encoder.h"
#include "agent/kafka_common.h"

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

std::string_view HintFor(RdKafka::ErrorCode err) {
  switch (err) {
    case RdKafka::ERR__MSG_TIMED_OUT:
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__TRANSPORT:
    case RdKafka::ERR__ALL_BROKERS_DOWN:
    case RdKafka::ERR_REQUEST_TIMED_OUT:
      return "check that the brokers in kafka.brokers are up";
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
    // Kafka's Java producer, Streams and Connect partition by murmur2 of the
    // key bytes: the agent's topics co-partition with theirs.
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "partitioner", "murmur2_random", "kafka"));
    // librdkafka's own default (1000000) refuses events the brokers' default
    // message.max.bytes (1048588) accepts.
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "message.max.bytes", "1048588", "kafka"));
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "delivery.timeout.ms",
                                     std::to_string(config_.delivery_timeout_ms),
                                     "kafka.delivery_timeout_ms"));
    for (const auto& [key, value] : config_.properties) {
      CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, key, value, "kafka.properties." + key));
    }
    // Set last so that no property can weaken them: a position is stored
    // only for events every in-sync replica has.
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "enable.idempotence", "true", "kafka"));
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "acks", "all", "kafka"));
    std::string errstr;
    if (conf->set("dr_cb", &reports_, errstr) != RdKafka::Conf::CONF_OK ||
        conf->set("event_cb", &events_, errstr) != RdKafka::Conf::CONF_OK) {
      return Status::InvalidArgument("kafka: " + errstr);
    }
    producer_.reset(RdKafka::Producer::create(conf.get(), errstr));
    if (!producer_) return Status::InvalidArgument("kafka: cannot create the producer: " + errstr);
    return encoder_.Open();
  }

  Status Send(Batch batch) override {
    CDC_RETURN_IF_ERROR(CheckFailed());
    BatchTrack& track = tracks_.emplace_back(next_seq_++, std::move(batch.end_position));
    for (const OutEvent& out : batch.events) {
      CDC_ASSIGN_OR_RETURN(RdKafka::Topic * topic, TopicFor(out.topic));
      Result<bool> encoded = encoder_.Encode(out, &value_buf_, &key_buf_);
      if (!encoded.ok() && encoded.status().retryable()) encoded = RetryEncode(out, encoded);
      if (!encoded.ok()) return Fail(encoded.status());
      const void* key = *encoded ? key_buf_.data() : nullptr;
      const size_t key_len = *encoded ? key_buf_.size() : 0;
      const auto& headers = encoder_.Headers(out);
      if (out.event.op() == cdc::v1::OP_TRUNCATE && !out.has_key) {
        // Each partition's consumer sees the TRUNCATE in order with the
        // rows of that partition.
        CDC_ASSIGN_OR_RETURN(int32_t partitions, PartitionCount(topic));
        for (int32_t p = 0; p < partitions; ++p) {
          CDC_RETURN_IF_ERROR(Produce(topic, partitions == 1 ? RdKafka::Topic::PARTITION_UA : p,
                                      value_buf_.data(), value_buf_.size(), key, key_len,
                                      &headers, p == 0 ? &track.event_part : &track.extra_part));
        }
        continue;
      }
      CDC_RETURN_IF_ERROR(Produce(topic, RdKafka::Topic::PARTITION_UA, value_buf_.data(),
                                  value_buf_.size(), key, key_len, &headers, &track.event_part));
      if (config_.tombstones && key != nullptr && out.event.op() == cdc::v1::OP_DELETE) {
        CDC_RETURN_IF_ERROR(Produce(topic, RdKafka::Topic::PARTITION_UA, nullptr, 0, key, key_len,
                                    &encoder_.TombstoneHeaders(), &track.extra_part));
      }
    }
    track.sealed = true;
    return Status::OK();
  }

  Status Poll(int timeout_ms) override {
    producer_->poll(timeout_ms);
    RetireAcknowledged();
    return CheckFailed();
  }

  Status Flush(int timeout_ms) override {
    const RdKafka::ErrorCode err = producer_->flush(timeout_ms);
    RetireAcknowledged();
    CDC_RETURN_IF_ERROR(CheckFailed());
    if (err != RdKafka::ERR_NO_ERROR || in_flight_ > 0) {
      return Status::IOError("kafka: " + std::to_string(in_flight_) +
                                 " events not acknowledged within " + std::to_string(timeout_ms) +
                                 " ms; check that the brokers in kafka.brokers are up",
                             /*retryable=*/true);
    }
    return Status::OK();
  }

  uint64_t in_flight() const override { return in_flight_; }
  uint64_t events_acked() const override { return events_acked_; }

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
                               message.errstr() + "; " + std::string(HintFor(message.err())));
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
                 const std::vector<std::pair<std::string_view, std::string>>* headers,
                 TrackPart* part) {
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

  // Encodes `out` again while the encoder's failure is retryable (the schema
  // registry is unreachable), serving delivery reports in between, for up to
  // kafka.delivery_timeout_ms, as long as a Kafka outage may last. Nothing
  // is lost either way: no position is stored past an event not sent.
  Result<bool> RetryEncode(const OutEvent& out, Result<bool> encoded) {
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::milliseconds(config_.delivery_timeout_ms);
    int wait_ms = 500;
    while (!encoded.ok() && encoded.status().retryable()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline || (stop_ != nullptr && stop_->load())) {
        return Status::IOError(encoded.status().message() + " (for " +
                                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                      now - start)
                                                      .count()) +
                                   " s; no position was stored past the events not sent)",
                               /*retryable=*/true);
      }
      KafkaLogger()->warn("{}; trying again in {} ms", encoded.status().message(), wait_ms);
      const auto until = now + std::chrono::milliseconds(wait_ms);
      while (std::chrono::steady_clock::now() < until && !(stop_ != nullptr && stop_->load())) {
        producer_->poll(100);
        RetireAcknowledged();
        CDC_RETURN_IF_ERROR(CheckFailed());
      }
      wait_ms = std::min(wait_ms * 2, 10000);
      encoded = encoder_.Encode(out, &value_buf_, &key_buf_);
    }
    return encoded;
  }

  // Creates `name` with kafka.topics.create's settings unless it exists.
  Status CreateTopic(const std::string& name) {
    const TopicCreateConfig& c = config_.topics_create;
    char errstr[512];
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), c.partitions,
                                                       c.replication_factor, errstr, sizeof errstr);
    if (topic == nullptr) {
      return Status::InvalidArgument("kafka.topics.create: topic " + name + ": " + errstr);
    }
    for (const auto& [key, value] : c.config) {
      rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str());
    }
    rd_kafka_t* rk = producer_->c_ptr();
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    constexpr int kTimeoutMs = 30000;
    rd_kafka_AdminOptions_set_request_timeout(options, kTimeoutMs, errstr, sizeof errstr);
    rd_kafka_CreateTopics(rk, &topic, 1, options, queue);
    rd_kafka_event_t* event = nullptr;
    for (int waited = 0; event == nullptr && waited < kTimeoutMs + 5000; waited += 500) {
      if (stop_ != nullptr && stop_->load()) break;
      event = rd_kafka_queue_poll(queue, 500);
    }
    Status status;
    if (event == nullptr) {
      status = Status::IOError("kafka: creating topic " + name + " got no answer within " +
                                   std::to_string(kTimeoutMs / 1000) +
                                   " s; check that the brokers in kafka.brokers are up",
                               /*retryable=*/true);
    } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = Status::IOError("kafka: cannot create topic " + name + ": " +
                                   rd_kafka_event_error_string(event) +
                                   "; check that the brokers in kafka.brokers are up",
                               /*retryable=*/true);
    } else {
      size_t n = 0;
      const rd_kafka_topic_result_t** results =
          rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &n);
      for (size_t i = 0; i < n; ++i) {
        const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          KafkaLogger()->info("created topic {} ({} partitions, replication factor {})", name,
                              c.partitions, c.replication_factor);
        } else if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          const char* msg = rd_kafka_topic_result_error_string(results[i]);
          status = Status::InvalidArgument(
              "kafka: cannot create topic " + name + ": " + rd_kafka_err2str(err) +
              (msg != nullptr && *msg != '\0' ? std::string(" (") + msg + ")" : "") +
              "; check kafka.topics.create (partitions, replication_factor at most the number "
              "of brokers, config names and values) and that the agent's principal may "
              "create topics");
        }
      }
    }
    if (event != nullptr) rd_kafka_event_destroy(event);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_NewTopic_destroy(topic);
    rd_kafka_queue_destroy(queue);
    return status;
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

  // Reports, in batch order, the positions of batches that are fully
  // acknowledged with every batch before them.
  void RetireAcknowledged() {
    while (!tracks_.empty()) {
      BatchTrack& front = tracks_.front();
      if (!front.sealed || front.failed || front.outstanding > 0) break;
      std::optional<offsets::Position> position = std::move(front.end_position);
      tracks_.pop_front();
      if (position) on_durable_(*position);
    }
  }

  Status CheckFailed() {
    if (error_.ok() && !events_.fatal_error().empty()) {
      error_ = Status::IOError("kafka producer failed fatally: " + events_.fatal_error());
    }
    return error_;
  }

  Status Fail(Status status) {
    if (error_.ok()) error_ = status;
    return status;
  }

  const KafkaConfig config_;
  const DurableCallback on_durable_;
  const std::atomic<bool>* const stop_;
  EventEncoder encoder_;
  std::optional<std::chrono::steady_clock::time_point> stop_deadline_;
  // Callbacks and tracking records outlive the producer (members are
  // destroyed in reverse order).
  DeliveryReports reports_;
  KafkaEventLogger events_;
  std::deque<BatchTrack> tracks_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unordered_map<std::string, std::unique_ptr<RdKafka::Topic>> topics_;
  const std::string* last_topic_name_ = nullptr;
  RdKafka::Topic* last_topic_ = nullptr;

  std::string value_buf_;
  std::string key_buf_;
  uint64_t next_seq_ = 0;
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
