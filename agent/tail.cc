#include "agent/tail.h"

#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "agent/confluent_wire.h"
#include "agent/event_encoder.h"
#include "agent/event_json.h"
#include "agent/kafka_common.h"
#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {
namespace {

using Clock = std::chrono::steady_clock;

std::string RandomGroupId() {
  std::random_device rd;
  char id[40];
  std::snprintf(id, sizeof(id), "cdc-agent-tail-%08x%08x", rd(), rd());
  return id;
}

// The error of a tail whose topic never existed: without it, a mistyped
// topic looks like a quiet one.
Status MissingTopic(const TailOptions& options) {
  return Status::NotFound("topic '" + options.topic + "' does not exist on " + options.brokers +
                          "; check --topic (topics are <prefix>.<schema>.<table>)");
}

// Partitions of `topic`; empty when the topic does not exist (yet).
Status FetchPartitions(RdKafka::KafkaConsumer& consumer, RdKafka::Topic& topic,
                       const std::string& brokers, int timeout_ms,
                       std::vector<int32_t>* partitions) {
  partitions->clear();
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode err = consumer.metadata(false, &topic, &raw, timeout_ms);
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  if (err != RdKafka::ERR_NO_ERROR) {
    return Status::IOError("kafka: no broker of '" + brokers + "' answered within " +
                               FormatSeconds(timeout_ms) +
                               ": check --brokers and that Kafka is running",
                           /*retryable=*/true);
  }
  for (const RdKafka::TopicMetadata* t : *metadata->topics()) {
    if (t->topic() != topic.name() || t->err() != RdKafka::ERR_NO_ERROR) continue;
    for (const RdKafka::PartitionMetadata* p : *t->partitions()) partitions->push_back(p->id());
  }
  return Status::OK();
}

Status Assign(RdKafka::KafkaConsumer& consumer, const std::string& topic,
              const std::vector<int32_t>& partitions, int64_t start) {
  std::vector<RdKafka::TopicPartition*> list;
  for (int32_t p : partitions) list.push_back(RdKafka::TopicPartition::create(topic, p, start));
  const RdKafka::ErrorCode err = consumer.assign(list);
  RdKafka::TopicPartition::destroy(list);
  if (err != RdKafka::ERR_NO_ERROR) {
    return Status::IOError("kafka: cannot read topic " + topic + ": " + RdKafka::err2str(err));
  }
  return Status::OK();
}

// The protobuf message in `bytes`: after the Confluent header when the
// bytes start with its magic byte 0 (a serialized message never starts with
// 0, which is no valid field tag).
std::string_view Unframed(const void* data, size_t len) {
  std::string_view bytes(static_cast<const char*>(data), len);
  if (bytes.empty() || bytes[0] != static_cast<char>(kConfluentMagicByte)) return bytes;
  Result<ConfluentHeader> header = ParseConfluentHeader(bytes);
  if (!header.ok()) return bytes;  // reported as not a message by the caller
  return bytes.substr(header->payload_offset);
}

class LinePrinter {
 public:
  // Appends the JSON line for `message` (without newline) to `line`.
  void Format(RdKafka::Message& message, std::string* line) {
    line->clear();
    *line += "{\"topic\":";
    *line += JsonQuote(message.topic_name());
    *line += ",\"partition\":" + std::to_string(message.partition());
    *line += ",\"offset\":" + std::to_string(message.offset());
    bool json = false;
    bool row = false;  // the unwrap transform's plain row
    if (RdKafka::Headers* headers = message.headers();
        headers != nullptr && headers->size() > 0) {
      *line += ",\"headers\":{";
      bool first = true;
      for (const RdKafka::Headers::Header& h : headers->get_all()) {
        std::string_view value(static_cast<const char*>(h.value()), h.value_size());
        if (h.key() == kHeaderContentType && value == "application/json") json = true;
        if (h.key() == kHeaderSchema && value == "cdc.v1.Row") row = true;
        if (!first) *line += ',';
        first = false;
        *line += JsonQuote(h.key());
        *line += ':';
        *line += h.value() == nullptr ? std::string("null") : JsonQuote(value);
      }
      *line += '}';
    }
    *line += ",\"key\":";
    if (message.key_pointer() == nullptr) {
      *line += "null";
    } else if (json) {
      line->append(static_cast<const char*>(message.key_pointer()), message.key_len());
    } else if (std::string_view k = Unframed(message.key_pointer(), message.key_len());
               key_.ParseFromArray(k.data(), static_cast<int>(k.size()))) {
      *line += RowKeyToJson(key_);
    } else {
      *line += "null,\"key_error\":\"not a cdc.v1.RowKey (" + std::to_string(message.key_len()) +
               " bytes)\"";
    }
    *line += ",\"value\":";
    if (message.payload() != nullptr && row) {
      *line += "null,\"row\":";
      if (json) {
        line->append(static_cast<const char*>(message.payload()), message.len());
      } else if (std::string_view v = Unframed(message.payload(), message.len());
                 row_.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
        *line += RowToPlainJson(row_);
      } else {
        *line += "null,\"value_error\":\"not a cdc.v1.Row (" + std::to_string(message.len()) +
                 " bytes)\"";
      }
    } else if (message.payload() == nullptr) {
      *line += "null";
    } else if (json) {
      line->append(static_cast<const char*>(message.payload()), message.len());
    } else if (std::string_view v = Unframed(message.payload(), message.len());
               event_.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      *line += EventToJson(event_);
    } else {
      *line += "null,\"value_error\":\"not a cdc.v1.ChangeEvent (" +
               std::to_string(message.len()) + " bytes)\"";
    }
    *line += '}';
  }

 private:
  cdc::v1::RowKey key_;
  cdc::v1::ChangeEvent event_;
  cdc::v1::Row row_;
};

// Commits the offsets after the printed messages (group mode only).
void Commit(RdKafka::KafkaConsumer& consumer, const std::string& topic,
            std::map<int32_t, int64_t>* next_offsets) {
  if (next_offsets->empty()) return;
  std::vector<RdKafka::TopicPartition*> list;
  for (const auto& [partition, offset] : *next_offsets) {
    list.push_back(RdKafka::TopicPartition::create(topic, partition, offset));
  }
  const RdKafka::ErrorCode err = consumer.commitSync(list);
  RdKafka::TopicPartition::destroy(list);
  if (err != RdKafka::ERR_NO_ERROR) {
    KafkaLogger()->warn("tail: commit failed: {}", RdKafka::err2str(err));
  }
  next_offsets->clear();
}

}  // namespace

Status Tail(const TailOptions& options, std::ostream& out, const std::atomic<bool>& stop) {
  const bool group_mode = !options.group_id.empty();
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string errstr;
  CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "bootstrap.servers", options.brokers, "--brokers"));
  CDC_RETURN_IF_ERROR(SetKafkaConf(
      *conf, "group.id", group_mode ? options.group_id : RandomGroupId(), "--group"));
  CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "auto.offset.reset",
                                   options.from_beginning ? "earliest" : "latest", "tail"));
  CDC_RETURN_IF_ERROR(SetKafkaConf(
      *conf, "isolation.level", options.read_committed ? "read_committed" : "read_uncommitted",
      "tail"));
  CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "enable.auto.commit", "false", "tail"));
  KafkaEventLogger events(/*quiet=*/true);
  if (conf->set("event_cb", &events, errstr) != RdKafka::Conf::CONF_OK) {
    return Status::InvalidArgument("tail: " + errstr);
  }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), errstr));
  if (!consumer) return Status::InvalidArgument("tail: cannot create a consumer: " + errstr);
  std::unique_ptr<RdKafka::Topic> topic(
      RdKafka::Topic::create(consumer.get(), options.topic, nullptr, errstr));
  if (!topic) return Status::InvalidArgument("--topic: " + errstr);

  const int probe_ms =
      options.idle_timeout_ms < 0 ? 10000 : std::clamp(options.idle_timeout_ms, 1000, 10000);
  std::vector<int32_t> partitions;
  CDC_RETURN_IF_ERROR(
      FetchPartitions(*consumer, *topic, options.brokers, probe_ms, &partitions));

  // Without a group, partitions are assigned directly: no group join to wait
  // for, and nothing stored on the broker. A topic that does not exist yet is
  // looked up again each second (the agent creates a topic with its first
  // event, so a tail started beside it may come first); if it still does not
  // exist when the tail ends, that is the error.
  bool waiting_for_topic = partitions.empty();
  if (waiting_for_topic && options.idle_timeout_ms < 0) {
    // Only an endless tail says so now: a bounded one reports it at its end.
    KafkaLogger()->warn("topic {} does not exist yet: waiting for it", options.topic);
  }
  if (group_mode) {
    const RdKafka::ErrorCode err = consumer->subscribe({options.topic});
    if (err != RdKafka::ERR_NO_ERROR) {
      return Status::IOError("kafka: cannot subscribe to " + options.topic + ": " +
                             RdKafka::err2str(err));
    }
  } else if (!waiting_for_topic) {
    const int64_t start = options.from_beginning ? RdKafka::Topic::OFFSET_BEGINNING
                                                 : RdKafka::Topic::OFFSET_END;
    CDC_RETURN_IF_ERROR(Assign(*consumer, options.topic, partitions, start));
  }

  LinePrinter printer;
  std::string line;
  std::string last_error;
  std::map<int32_t, int64_t> next_offsets;
  int64_t printed = 0;
  Clock::time_point last_message = Clock::now();
  Clock::time_point last_lookup = last_message;
  Clock::time_point last_commit = last_message;
  Status result;
  while (!stop.load(std::memory_order_relaxed)) {
    if (options.max_messages >= 0 && printed >= options.max_messages) break;
    const Clock::time_point now = Clock::now();
    if (options.idle_timeout_ms >= 0 &&
        now - last_message >= std::chrono::milliseconds(options.idle_timeout_ms)) {
      break;
    }
    if (waiting_for_topic && now - last_lookup >= std::chrono::seconds(1)) {
      last_lookup = now;
      if (FetchPartitions(*consumer, *topic, options.brokers, 1000, &partitions).ok() &&
          !partitions.empty()) {
        waiting_for_topic = false;
        if (!group_mode) {
          // The topic was created after the tail started: all of it is new.
          result = Assign(*consumer, options.topic, partitions, RdKafka::Topic::OFFSET_BEGINNING);
          if (!result.ok()) break;
        }
      }
    }
    if (group_mode && now - last_commit >= std::chrono::seconds(1)) {
      last_commit = now;
      Commit(*consumer, options.topic, &next_offsets);
    }

    std::unique_ptr<RdKafka::Message> message(consumer->consume(100));
    switch (message->err()) {
      case RdKafka::ERR_NO_ERROR:
        printer.Format(*message, &line);
        out << line << '\n';
        ++printed;
        waiting_for_topic = false;
        last_message = Clock::now();
        if (group_mode) next_offsets[message->partition()] = message->offset() + 1;
        break;
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        out.flush();
        break;
      default:
        if (!events.fatal_error().empty()) {
          result = Status::IOError("kafka consumer failed fatally: " + events.fatal_error());
        } else if (message->errstr() != last_error) {
          last_error = message->errstr();
          KafkaLogger()->warn("tail {}: {}", options.topic, last_error);
        }
        break;
    }
    if (!result.ok()) break;
  }
  out.flush();
  if (group_mode) Commit(*consumer, options.topic, &next_offsets);
  consumer->close();
  if (result.ok() && waiting_for_topic) return MissingTopic(options);
  return result;
}

}  // namespace cdc::agent
