#include "agent/kafka_offsets.h"

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <memory>
#include <random>

#include "agent/aggregate.h"
#include "agent/join_state.h"
#include "agent/kafka_admin.h"
#include "agent/kafka_common.h"

namespace cdc::agent {
namespace {

constexpr std::string_view kStateInfix = "/state/";
constexpr int kRequestTimeoutMs = 10000;

// Owns an RdKafka::Error*.
struct ErrorPtr {
  explicit ErrorPtr(RdKafka::Error* e) : error(e) {}
  ~ErrorPtr() { delete error; }
  ErrorPtr(const ErrorPtr&) = delete;
  ErrorPtr& operator=(const ErrorPtr&) = delete;
  RdKafka::Error* error;
};

// The brokers and the user's properties (security settings among them), for
// the agent's short-lived clients.
Status BaseConf(const KafkaConfig& config, RdKafka::Conf& conf) {
  CDC_RETURN_IF_ERROR(SetKafkaConf(conf, "bootstrap.servers", config.brokers, "kafka.brokers"));
  for (const auto& [key, value] : config.properties) {
    CDC_RETURN_IF_ERROR(SetKafkaConf(conf, key, value, "kafka.properties." + key));
  }
  return Status::OK();
}

// A reading client keeps what it fetched, decompressed, until each record
// has been read, and librdkafka fetches 1 MB of a partition at a time (a
// batch of lz4 records holds ten times that decompressed) while up to
// 100,000 records or 64 MB wait. Reading a shared offsets topic of 200,000
// records (4.5 MB) at start, an agent peaks at about 70 MB RSS with those
// fetches and at 34-46 MB with fetches of 64 KB (librdkafka grows them for
// a larger record), in the same 0.1 s; an empty topic, 30 MB. A smaller
// queue lowers it more but makes a whole topic's scan six times slower:
// librdkafka 2.0 pauses fetching each time its queue is full. The user's
// own value (under either of its names) wins.
Status SmallFetches(const KafkaConfig& config, RdKafka::Conf& conf) {
  if (config.properties.contains("fetch.message.max.bytes") ||
      config.properties.contains("max.partition.fetch.bytes")) {
    return Status::OK();
  }
  return SetKafkaConf(conf, "fetch.message.max.bytes", std::to_string(kSmallFetchBytes), "kafka");
}

// Kafka compacts only closed segments, and closes one after 7 days (or
// 1 GiB) by default, while every agent start reads the topic from its start
// and each exactly-once transaction adds a record to it (ten a second while
// busy): the read would grow for a week. Segments closed after an hour keep
// it to about an hour of records past the last of each key. A tombstone
// (`offsets reset`) is kept 7 days after its segment is compacted: at least
// as long as the 7-day segments kept it.
constexpr int64_t kOffsetsSegmentMs = 3600000;
constexpr int64_t kOffsetsTombstoneMs = 7 * 24 * 3600000LL;

std::map<std::string, std::string> OffsetsTopicSettings() {
  return {{"cleanup.policy", "compact"},
          {"segment.ms", std::to_string(kOffsetsSegmentMs)},
          {"delete.retention.ms", std::to_string(kOffsetsTombstoneMs)}};
}

}  // namespace

Result<std::unique_ptr<RdKafka::KafkaConsumer>> NewReadingConsumer(
    const KafkaConfig& config, bool read_committed, const std::string& group_prefix,
    KafkaEventLogger& events, Fetches fetches) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  CDC_RETURN_IF_ERROR(BaseConf(config, *conf));
  std::mt19937_64 rng(std::random_device{}());
  CDC_RETURN_IF_ERROR(
      SetKafkaConf(*conf, "group.id", group_prefix + std::to_string(rng()), "kafka"));
  CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "enable.auto.commit", "false", "kafka"));
  CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "isolation.level",
                                   read_committed ? "read_committed" : "read_uncommitted",
                                   "kafka"));
  CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "enable.partition.eof", "true", "kafka"));
  // The end of a partition is seen by a fetch that finds nothing more: the
  // broker holds such a fetch this long (500 ms by default) for new data.
  CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "fetch.wait.max.ms", "10", "kafka"));
  if (fetches == Fetches::kSmall) CDC_RETURN_IF_ERROR(SmallFetches(config, *conf));
  std::string errstr;
  if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(&events), errstr) !=
      RdKafka::Conf::CONF_OK) {
    return Status::InvalidArgument("kafka: " + errstr);
  }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), errstr));
  if (!consumer) return Status::InvalidArgument("kafka: cannot create a consumer: " + errstr);
  return consumer;
}

std::string OffsetsStateKey(const KafkaConfig& config, std::string_view name) {
  return config.offsets_key + std::string(kStateInfix) + std::string(name);
}

Status EnsureOffsetsTopic(rd_kafka_t* handle, const KafkaConfig& config,
                          const std::atomic<bool>* stop) {
  // Looked for in the list of all topics: asking for the topic by name could
  // make a broker with auto.create.topics.enable create it, not compacted.
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(handle, 1, nullptr, &metadata, kRequestTimeoutMs) ==
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    bool found = false;
    for (int i = 0; i < metadata->topic_cnt && !found; ++i) {
      found = config.offsets_topic == metadata->topics[i].topic &&
              metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    rd_kafka_metadata_destroy(metadata);
    if (found) return Status::OK();
  }
  const int replication =
      config.topics_create.enabled ? config.topics_create.replication_factor : -1;
  return CreateTopicIfMissing(handle, config.offsets_topic, 1, replication,
                              OffsetsTopicSettings(), "kafka.offsets_topic", stop);
}

Result<CommittedOffsets> ReadCommittedOffsets(const KafkaConfig& config, int timeout_ms,
                                              const std::atomic<bool>* stop) {
  KafkaEventLogger events(/*quiet=*/true);
  CDC_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::KafkaConsumer> consumer,
                       NewReadingConsumer(config, /*read_committed=*/true,
                                          "cdc-agent-offsets-reader-", events, Fetches::kSmall));
  std::string errstr;
  const std::string& topic_name = config.offsets_topic;
  const std::string where = "kafka: reading the offsets topic " + topic_name;

  // The partitions, and the end each has now.
  std::unique_ptr<RdKafka::Topic> topic(
      RdKafka::Topic::create(consumer.get(), topic_name, nullptr, errstr));
  if (!topic) return Status::InvalidArgument(where + ": " + errstr);
  RdKafka::Metadata* raw = nullptr;
  RdKafka::ErrorCode err = consumer->metadata(false, topic.get(), &raw, kRequestTimeoutMs);
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  if (err != RdKafka::ERR_NO_ERROR || !metadata || metadata->topics()->empty()) {
    return Status::IOError(where + ": " + RdKafka::err2str(err) +
                               "; check that the brokers in kafka.brokers are up",
                           /*retryable=*/true);
  }
  const RdKafka::TopicMetadata* meta = metadata->topics()->front();
  if (meta->err() == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) {
    consumer->close();
    return CommittedOffsets{};
  }
  if (meta->err() != RdKafka::ERR_NO_ERROR) {
    return Status::IOError(where + ": " + RdKafka::err2str(meta->err()), /*retryable=*/true);
  }
  std::vector<RdKafka::TopicPartition*> assignment;
  std::map<int32_t, int64_t> ends;  // partitions still to read to their end
  for (const RdKafka::PartitionMetadata* p : *meta->partitions()) {
    int64_t low = 0;
    int64_t high = 0;
    err = consumer->query_watermark_offsets(topic_name, p->id(), &low, &high, kRequestTimeoutMs);
    if (err != RdKafka::ERR_NO_ERROR) {
      for (auto* tp : assignment) delete tp;
      return Status::IOError(where + ": " + RdKafka::err2str(err), /*retryable=*/true);
    }
    if (high > low) ends[p->id()] = high;
    assignment.push_back(
        RdKafka::TopicPartition::create(topic_name, p->id(), RdKafka::Topic::OFFSET_BEGINNING));
  }
  err = consumer->assign(assignment);
  RdKafka::TopicPartition::destroy(assignment);
  if (err != RdKafka::ERR_NO_ERROR) {
    return Status::IOError(where + ": " + RdKafka::err2str(err), /*retryable=*/true);
  }

  CommittedOffsets out;
  const std::string state_prefix = config.offsets_key + std::string(kStateInfix);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  Status status;
  while (!ends.empty()) {
    if (stop != nullptr && stop->load()) {
      status = Status::Aborted("stopped");
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      status = Status::IOError(
          where + ": did not reach its end within " + FormatSeconds(timeout_ms) +
              " (a transaction of another producer is open on it, or the brokers are slow); "
              "the agent tries again",
          /*retryable=*/true);
      break;
    }
    std::unique_ptr<RdKafka::Message> msg(consumer->consume(200));
    if (msg->err() == RdKafka::ERR__TIMED_OUT) continue;
    if (msg->err() == RdKafka::ERR__PARTITION_EOF) {
      // With read_committed the end is the first offset of a transaction
      // still open: read on until the end seen at the start is passed.
      auto it = ends.find(msg->partition());
      if (it != ends.end() && msg->offset() >= it->second) ends.erase(it);
      continue;
    }
    if (msg->err() != RdKafka::ERR_NO_ERROR) {
      status = Status::IOError(where + ": " + msg->errstr(), /*retryable=*/true);
      break;
    }
    if (auto it = ends.find(msg->partition());
        it != ends.end() && msg->offset() + 1 >= it->second) {
      ends.erase(it);
    }
    if (msg->key() == nullptr) continue;
    const std::string& key = *msg->key();
    const bool tombstone = msg->payload() == nullptr;
    std::string_view value(static_cast<const char*>(msg->payload()), msg->len());
    if (key == config.offsets_key) {
      out.reset = tombstone;
      if (tombstone) {
        out.position.reset();
        continue;
      }
      Result<offsets::Position> p = offsets::Position::Decode(value);
      if (!p.ok()) {
        status = Status::Corruption(where + ": the record of " + key + " at offset " +
                                    std::to_string(msg->offset()) + " is damaged (" +
                                    p.status().message() +
                                    "); set the position with `cdc-agent offsets set`");
        break;
      }
      out.position = *p;
    } else if (key.size() > state_prefix.size() && key.starts_with(state_prefix)) {
      std::string name = key.substr(state_prefix.size());
      if (tombstone) {
        out.states.erase(name);
      } else {
        out.states[name] = std::string(value);
      }
    }
  }
  consumer->close();
  if (!status.ok()) return status;
  return out;
}

Result<std::optional<std::string>> FindPublishedEvent(const KafkaConfig& config,
                                                      const std::set<std::string>& topics,
                                                      int timeout_ms,
                                                      const std::atomic<bool>* stop) {
  if (topics.empty()) return std::optional<std::string>();
  KafkaEventLogger events(/*quiet=*/true);
  CDC_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::KafkaConsumer> consumer,
                       NewReadingConsumer(config, /*read_committed=*/true,
                                          "cdc-agent-topic-probe-", events, Fetches::kSmall));
  const std::string where = "kafka: looking for events of an earlier run in the topics of the "
                            "captured tables";
  RdKafka::Metadata* raw = nullptr;
  RdKafka::ErrorCode err = consumer->metadata(true, nullptr, &raw, kRequestTimeoutMs);
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  if (err != RdKafka::ERR_NO_ERROR || !metadata) {
    return Status::IOError(where + ": " + RdKafka::err2str(err) +
                               "; check that the brokers in kafka.brokers are up",
                           /*retryable=*/true);
  }
  // Partitions that hold records; with read_committed, records of aborted
  // transactions and transaction markers are passed over.
  std::vector<RdKafka::TopicPartition*> assignment;
  std::map<std::pair<std::string, int32_t>, int64_t> ends;
  for (const RdKafka::TopicMetadata* t : *metadata->topics()) {
    const std::string& name = t->topic();
    if (topics.count(name) == 0 || t->err() != RdKafka::ERR_NO_ERROR) {
      continue;
    }
    for (const RdKafka::PartitionMetadata* p : *t->partitions()) {
      int64_t low = 0;
      int64_t high = 0;
      err = consumer->query_watermark_offsets(name, p->id(), &low, &high, kRequestTimeoutMs);
      if (err != RdKafka::ERR_NO_ERROR) {
        RdKafka::TopicPartition::destroy(assignment);
        return Status::IOError(where + ": " + name + ": " + RdKafka::err2str(err),
                               /*retryable=*/true);
      }
      if (high <= low) continue;
      ends[{name, p->id()}] = high;
      assignment.push_back(
          RdKafka::TopicPartition::create(name, p->id(), RdKafka::Topic::OFFSET_BEGINNING));
    }
  }
  if (assignment.empty()) return std::optional<std::string>();
  err = consumer->assign(assignment);
  RdKafka::TopicPartition::destroy(assignment);
  if (err != RdKafka::ERR_NO_ERROR) {
    return Status::IOError(where + ": " + RdKafka::err2str(err), /*retryable=*/true);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::optional<std::string> found;
  Status status;
  while (!ends.empty() && !found) {
    if (stop != nullptr && stop->load()) {
      status = Status::Aborted("stopped");
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      status = Status::IOError(where + ": no answer within " + FormatSeconds(timeout_ms) +
                                   " (a transaction of another producer is open, or the "
                                   "brokers are slow)",
                               /*retryable=*/true);
      break;
    }
    std::unique_ptr<RdKafka::Message> msg(consumer->consume(200));
    if (msg->err() == RdKafka::ERR__TIMED_OUT) continue;
    const auto tp = std::make_pair(msg->topic_name(), msg->partition());
    if (msg->err() == RdKafka::ERR__PARTITION_EOF) {
      auto it = ends.find(tp);
      if (it != ends.end() && msg->offset() >= it->second) ends.erase(it);
      continue;
    }
    if (msg->err() != RdKafka::ERR_NO_ERROR) {
      status = Status::IOError(where + ": " + msg->errstr(), /*retryable=*/true);
      break;
    }
    found = "topic " + tp.first + " (partition " + std::to_string(tp.second) + ", offset " +
            std::to_string(msg->offset()) + ")";
  }
  consumer->close();
  if (!status.ok()) return status;
  return found;
}

Reconciliation Reconcile(const std::optional<offsets::Position>& kafka,
                         const std::optional<offsets::Position>& local,
                         const std::string& offsets_topic) {
  Reconciliation r;
  if (!kafka && !local) return r;
  if (!kafka) {
    r.position = local;
    r.message = "Kafka topic " + offsets_topic + " holds no committed position yet: resuming " +
                "from offsets.path's " + local->ToString() +
                " (the first Kafka transaction records it there)";
    return r;
  }
  r.position = kafka;
  if (local && *local == *kafka) return r;
  r.repair_local = true;
  r.warn = true;
  if (!local) {
    r.message = "offsets.path holds no position: restored " + kafka->ToString() +
                " (and the source's state) from Kafka topic " + offsets_topic;
  } else {
    r.message = "offsets.path holds " + local->ToString() + " but the last Kafka commit is " +
                kafka->ToString() + ": resuming from Kafka's, the authority, and repairing " +
                "offsets.path (it was damaged, restored from a backup, or changed while " +
                "delivery was at-least-once)";
  }
  return r;
}

Status ApplyReconciliation(const Reconciliation& r, const CommittedOffsets& kafka,
                           offsets::OffsetStore& store, const std::string& source) {
  auto log = spdlog::default_logger();
  if (!r.message.empty()) {
    if (r.warn) {
      log->warn("offsets: {}", r.message);
    } else {
      log->info("offsets: {}", r.message);
    }
  }
  if (!r.repair_local || !r.position) return Status::OK();
  // Kafka's states replace the local ones; join rows and aggregate windows
  // that Kafka no longer holds (deleted or closed since the local copy was
  // written) go.
  std::vector<offsets::StateChange> changes;
  for (std::string_view prefix : {JoinState::kPrefix, Aggregator::kPrefix}) {
    CDC_ASSIGN_OR_RETURN(std::vector<std::string> local, store.ListStates(source, prefix));
    for (std::string& name : local) {
      if (kafka.states.count(name) == 0) changes.push_back({std::move(name), std::nullopt});
    }
  }
  for (const auto& [name, blob] : kafka.states) changes.push_back({name, blob});
  return store.StoreWith(source, *r.position, changes).WithContext("offsets.path");
}

Status WriteCommittedOffsets(const KafkaConfig& config,
                             const std::optional<offsets::Position>& position,
                             const std::vector<std::string>& clear_states) {
  KafkaEventLogger events(/*quiet=*/true);
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  CDC_RETURN_IF_ERROR(BaseConf(config, *conf));
  CDC_RETURN_IF_ERROR(
      SetKafkaConf(*conf, "transactional.id", config.transactional_id, "kafka"));
  CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "enable.idempotence", "true", "kafka"));
  CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "acks", "all", "kafka"));
  std::string errstr;
  if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(&events), errstr) !=
      RdKafka::Conf::CONF_OK) {
    return Status::InvalidArgument("kafka: " + errstr);
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), errstr));
  if (!producer) return Status::InvalidArgument("kafka: cannot create a producer: " + errstr);
  CDC_RETURN_IF_ERROR(EnsureOffsetsTopic(producer->c_ptr(), config, nullptr));
  const std::string where = "kafka: writing the offsets topic " + config.offsets_topic;
  auto check = [&](RdKafka::Error* raw) -> Status {
    ErrorPtr e(raw);
    if (e.error == nullptr) return Status::OK();
    return Status::IOError(where + ": " + e.error->str() +
                               "; check that the brokers in kafka.brokers are up",
                           e.error->is_retriable());
  };
  CDC_RETURN_IF_ERROR(check(producer->init_transactions(kRequestTimeoutMs * 3)));
  CDC_RETURN_IF_ERROR(check(producer->begin_transaction()));
  auto produce = [&](const std::string& key, const std::string* value) -> Status {
    while (true) {
      const RdKafka::ErrorCode err = producer->produce(
          config.offsets_topic, 0, RdKafka::Producer::RK_MSG_COPY,
          value ? const_cast<char*>(value->data()) : nullptr, value ? value->size() : 0,
          key.data(), key.size(), 0, nullptr);
      if (err == RdKafka::ERR_NO_ERROR) return Status::OK();
      if (err != RdKafka::ERR__QUEUE_FULL) {
        return Status::IOError(where + ": " + RdKafka::err2str(err));
      }
      producer->poll(100);  // many states (join rows): make room
    }
  };
  for (const std::string& name : clear_states) {
    CDC_RETURN_IF_ERROR(produce(OffsetsStateKey(config, name), nullptr));
  }
  const std::string value = position ? position->Encode() : std::string();
  CDC_RETURN_IF_ERROR(produce(config.offsets_key, position ? &value : nullptr));
  return check(producer->commit_transaction(kRequestTimeoutMs * 3));
}

}  // namespace cdc::agent
