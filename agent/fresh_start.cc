#include "agent/fresh_start.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <string>

#include "agent/kafka_offsets.h"

namespace cdc::agent {
namespace {

constexpr int kProbeTimeoutMs = 30000;

std::string UtcNow() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

Status CheckFreshStart(const AgentConfig& config, offsets::OffsetStore& store,
                       const std::set<std::string>& topics, const std::atomic<bool>& stop) {
  const std::string& name = config.source.name;
  CDC_ASSIGN_OR_RETURN(std::optional<std::string> mark, store.GetState(name, kStartOverState));
  if (mark && !mark->empty()) {
    spdlog::info("starting over, as `cdc-agent offsets reset` asked ({})", *mark);
    return Status::OK();
  }
  CDC_ASSIGN_OR_RETURN(std::optional<std::string> earlier,
                       FindPublishedEvent(config.kafka, topics, kProbeTimeoutMs, &stop));
  if (!earlier) return Status::OK();
  const std::string where = config.kafka.exactly_once
                                ? " (neither in Kafka topic " + config.kafka.offsets_topic +
                                      " nor in offsets.path " + config.offsets.path + ")"
                                : " in offsets.path " + config.offsets.path;
  return Status::IOError(
      "no position of source '" + name + "' is stored" + where + ", but " + *earlier +
      " holds an event of an earlier run: the position was lost, and starting afresh would "
      "skip the changes since; set it with `cdc-agent offsets set --config FILE --position P` "
      "(a position the server still retains), or start over with a new snapshot with "
      "`cdc-agent offsets reset --config FILE --yes`");
}

Status MarkStartOver(offsets::OffsetStore& store, std::string_view source) {
  return store.PutState(source, kStartOverState, "offsets reset at " + UtcNow());
}

Status ClearStartOver(offsets::OffsetStore& store, std::string_view source) {
  CDC_ASSIGN_OR_RETURN(std::optional<std::string> mark, store.GetState(source, kStartOverState));
  if (!mark || mark->empty()) return Status::OK();
  return store.PutState(source, kStartOverState, "");
}

}  // namespace cdc::agent
