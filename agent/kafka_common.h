// Helpers shared by every librdkafka client of the agent (the sink, the
// reachability check and `tail`): configuration with errors that name the
// key, and librdkafka's own log lines routed into spdlog.
#pragma once

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace cdc::agent {

// The spdlog logger named "kafka", created (on stderr) if nobody registered
// it before. Thread-safe.
inline std::shared_ptr<spdlog::logger> KafkaLogger() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("kafka");
    return existing ? existing : spdlog::stderr_color_mt("kafka");
  }();
  return logger;
}

// A timeout for messages: "5s", "1.5s", "0.25s".
inline std::string FormatSeconds(int timeout_ms) {
  std::string text = std::to_string(timeout_ms / 1000);
  const int rest = timeout_ms % 1000;
  if (rest != 0) {
    std::string fraction = std::to_string(1000 + rest).substr(1);
    while (fraction.back() == '0') fraction.pop_back();
    text += "." + fraction;
  }
  return text + "s";
}

// Conf::set that reports failure as InvalidArgument "<label>: <errstr>".
// `label` names the key as the user wrote it (e.g. "kafka.properties.acks").
inline Status SetKafkaConf(RdKafka::Conf& conf, const std::string& key,
                           const std::string& value, const std::string& label) {
  std::string errstr;
  if (conf.set(key, value, errstr) != RdKafka::Conf::CONF_OK) {
    return Status::InvalidArgument(label + ": " + errstr);
  }
  return Status::OK();
}

// Logs librdkafka's log lines and error events into the "kafka" logger and
// remembers the first fatal error.
//
// Thread: librdkafka calls this for log lines from its own threads and for
// errors from poll()/consume() on the owning thread; only the error path
// touches fatal_error_, so fatal_error() must be read on the owning thread.
// Must outlive the client it is set on.
class KafkaEventLogger : public RdKafka::EventCb {
 public:
  // `quiet`: log everything at debug level (for short-lived probes whose
  // caller reports the failure itself).
  explicit KafkaEventLogger(bool quiet = false) : quiet_(quiet) {}

  void event_cb(RdKafka::Event& event) override {
    switch (event.type()) {
      case RdKafka::Event::EVENT_LOG:
        KafkaLogger()->log(quiet_ ? spdlog::level::debug : LevelOf(event.severity()), "{}: {}",
                           event.fac(), event.str());
        break;
      case RdKafka::Event::EVENT_ERROR:
        if (event.fatal()) {
          if (fatal_error_.empty()) {
            fatal_error_ = RdKafka::err2str(event.err()) + ": " + event.str();
            fatal_code_ = event.err();
          }
          KafkaLogger()->error("fatal: {}", event.str());
        } else {
          // A failed connection is also a log line of its own: one line is enough.
          const bool repeated = event.err() == RdKafka::ERR__TRANSPORT;
          KafkaLogger()->log(quiet_ || repeated ? spdlog::level::debug : spdlog::level::warn,
                             "{}: {}", RdKafka::err2str(event.err()), event.str());
        }
        break;
      default:
        break;
    }
  }

  // Empty until librdkafka reports a fatal error.
  const std::string& fatal_error() const { return fatal_error_; }
  RdKafka::ErrorCode fatal_code() const { return fatal_code_; }

 private:
  static spdlog::level::level_enum LevelOf(RdKafka::Event::Severity severity) {
    switch (severity) {
      case RdKafka::Event::EVENT_SEVERITY_EMERG:
      case RdKafka::Event::EVENT_SEVERITY_ALERT:
      case RdKafka::Event::EVENT_SEVERITY_CRITICAL:
        return spdlog::level::critical;
      case RdKafka::Event::EVENT_SEVERITY_ERROR:
        return spdlog::level::err;
      case RdKafka::Event::EVENT_SEVERITY_WARNING:
        return spdlog::level::warn;
      case RdKafka::Event::EVENT_SEVERITY_NOTICE:
      case RdKafka::Event::EVENT_SEVERITY_INFO:
        return spdlog::level::info;
      default:
        return spdlog::level::debug;
    }
  }

  const bool quiet_;
  std::string fatal_error_;
  RdKafka::ErrorCode fatal_code_ = RdKafka::ERR_NO_ERROR;
};

// True for the errors a transactional producer gets once another producer
// with its transactional.id has started: it is a zombie and must stop.
inline bool IsFenced(RdKafka::ErrorCode code) {
  return code == RdKafka::ERR__FENCED || code == RdKafka::ERR_PRODUCER_FENCED ||
         code == RdKafka::ERR_INVALID_PRODUCER_EPOCH;
}

// The one line an agent that was fenced stops with.
inline std::string FencedMessage(const std::string& transactional_id) {
  return "kafka: another agent started with transactional.id " + transactional_id +
         " (the same agent name) and took over; this one stops without publishing more. Run "
         "one agent per name, or give the second agent another name";
}

}  // namespace cdc::agent
