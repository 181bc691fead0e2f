// Shared by the configuration tests: the documented example file and helpers
// that edit it and collect the error it gives.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "agent/config.h"

namespace cdc::agent {

inline constexpr char kPassword[] = "s3cr'et\\pw";

// The example file of the documentation; line numbers below refer to it.
inline const std::string kValid = R"(name: demo-agent
log_level: info
batch_max_events: 2000
queue_max_batches: 16
source:
  type: postgres          # or mysql
  name: demo              # default: the agent name
  host: 127.0.0.1
  port: 55432
  user: postgres
  password: ${PGPASSWORD}
  database: demo
  slot: cdc_agent
  publication: cdc_agent
  tables: [public.customers, "Sales.\"Order Items\""]   # schema.table
  snapshot: initial       # or never
  snapshot_chunk_rows: 10000
  connect_timeout_s: 10
  status_interval_ms: 1000
  sslmode: prefer
kafka:
  brokers: 127.0.0.1:59092
  topic_prefix: demo
  tombstones: true
  delivery_timeout_ms: 120000
  properties:
    compression.type: zstd
    linger.ms: 20
offsets:
  path: /var/lib/cdc-agent/offsets
)";

inline const std::string kMinimal = R"(name: mini
source:
  type: postgres
  user: repl
  database: app
kafka:
  brokers: localhost:9092
offsets:
  path: /tmp/offsets
)";

inline EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline EnvLookup DefaultEnv() { return MapEnv({{"PGPASSWORD", kPassword}}); }

// `text` with its one occurrence of `from` replaced by `to`.
inline std::string With(const std::string& text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "no " << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "twice: " << from;
  if (at == std::string::npos) return text;
  return text.substr(0, at) + to + text.substr(at + from.size());
}

// The message of the error that parsing `text` must give.
inline std::string ErrorOf(const std::string& text, const EnvLookup& env = DefaultEnv()) {
  Result<AgentConfig> config = ParseConfig(text, env, "agent.yaml");
  EXPECT_FALSE(config.ok()) << text;
  if (config.ok()) return "";
  EXPECT_TRUE(config.status().IsInvalidArgument()) << config.status().ToString();
  EXPECT_EQ(config.status().message().find(kPassword), std::string::npos);
  EXPECT_EQ(config.status().message().find('\n'), std::string::npos);
  return config.status().message();
}

}  // namespace cdc::agent
