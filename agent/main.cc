// cdc-agent: the command line.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/aggregate.h"
#include "agent/config.h"
#include "agent/config_internal.h"
#include "agent/fresh_start.h"
#include "agent/kafka_offsets.h"
#include "agent/snapshot_requests.h"
#include "agent/kafka_sink.h"
#include "agent/mysql/decode_binlog.h"
#include "agent/mysql/mysql_check.h"
#include "agent/mysql/mysql_source.h"
#include "agent/mysql/schema_history.h"
#include "agent/pipeline.h"
#include "agent/postgres/postgres_check.h"
#include "agent/postgres/postgres_source.h"
#include "agent/proto_text.h"
#include "agent/schema_files.h"
#include "agent/tail.h"
#include "offsets/offset_store.h"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnSignal(int) { g_stop.store(true); }

void InstallSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  // A second signal ends the process at once.
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

constexpr int kExitError = 1;
constexpr int kExitConfig = 2;
constexpr int kKafkaCheckMs = 10000;

int Fail(const std::string& message, int code = kExitError) {
  std::fprintf(stderr, "cdc-agent: error: %s\n", message.c_str());
  return code;
}

void SetupLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("cdc-agent");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

cdc::Result<cdc::agent::AgentConfig> Load(const std::string& path) {
  return cdc::agent::LoadConfigFile(path, cdc::agent::ProcessEnv());
}

int Run(const std::string& path) {
  auto config = Load(path);
  if (!config.ok()) return Fail(config.status().message(), kExitConfig);
  SetupLogging(config->log_level);
  auto store = cdc::offsets::OpenRocksDbOffsetStore(config->offsets.path);
  if (!store.ok()) return Fail(store.status().message());
  spdlog::info("cdc-agent {} starting", CDC_VERSION);
  spdlog::debug("configuration: {}", config->Describe());
  cdc::Status kafka = cdc::agent::CheckKafkaReachable(config->kafka, kKafkaCheckMs);
  if (!kafka.ok()) return Fail(kafka.message());
  // A failure that passes with time (Kafka unreachable for longer than
  // kafka.delivery_timeout_ms, an aborted Kafka transaction) restarts the
  // source and the sink from the last committed position, with growing
  // pauses, until no position has become durable for kGiveUpAfter.
  constexpr auto kGiveUpAfter = std::chrono::minutes(15);
  constexpr auto kMaxPause = std::chrono::seconds(30);
  auto pause = std::chrono::seconds(1);
  auto last_progress = std::chrono::steady_clock::now();
  while (true) {
    auto before = (*store)->Load(config->source.name);
    std::unique_ptr<cdc::agent::Source> source;
    if (config->source.type == cdc::agent::SourceConfig::Type::kMysql) {
      source = std::make_unique<cdc::agent::mysql::MysqlSource>(*config, store->get());
    } else {
      source = std::make_unique<cdc::agent::postgres::PostgresSource>(*config, store->get());
    }
    cdc::Status s = cdc::agent::RunPipeline(*config, *source, **store, g_stop);
    if (s.ok()) break;
    if (!s.retryable() || g_stop.load()) return Fail(s.message());
    auto after = (*store)->Load(config->source.name);
    const auto now = std::chrono::steady_clock::now();
    if (before.ok() && after.ok() && *before != *after) {
      last_progress = now;
      pause = std::chrono::seconds(1);
    }
    if (now - last_progress >= kGiveUpAfter) {
      return Fail(s.message() + "; gave up after 15 minutes without progress");
    }
    spdlog::warn("{}; starting again from the last committed position in {} s", s.message(),
                 pause.count());
    const auto wake = now + pause;
    while (!g_stop.load() && std::chrono::steady_clock::now() < wake) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (g_stop.load()) break;
    pause = std::min(pause * 2, std::chrono::duration_cast<std::chrono::seconds>(kMaxPause));
  }
  spdlog::info("stopped cleanly");
  return 0;
}

int Check(const std::string& path) {
  auto config = Load(path);
  if (!config.ok()) return Fail(config.status().message(), kExitConfig);
  std::vector<std::string> warnings;
  std::vector<std::string> problems =
      config->source.type == cdc::agent::SourceConfig::Type::kMysql
          ? cdc::agent::mysql::CheckMysql(config->source.mysql, &warnings)
          : cdc::agent::postgres::CheckPostgres(config->source.postgres, &warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "cdc-agent: warning: %s\n", w.c_str());
  cdc::Status kafka = cdc::agent::CheckKafkaReachable(config->kafka, kKafkaCheckMs);
  if (!kafka.ok()) problems.push_back(kafka.message());
  cdc::Status offsets = cdc::offsets::CheckRocksDbOffsetStore(config->offsets.path);
  if (!offsets.ok()) problems.push_back(offsets.message());
  if (problems.empty() && !config->transforms.empty()) {
    // The transforms against the tables as they are now.
    std::unique_ptr<cdc::offsets::OffsetStore> memory = cdc::offsets::NewMemoryOffsetStore();
    std::unique_ptr<cdc::agent::Source> source;
    if (config->source.type == cdc::agent::SourceConfig::Type::kMysql) {
      source = std::make_unique<cdc::agent::mysql::MysqlSource>(*config, memory.get());
    } else {
      source = std::make_unique<cdc::agent::postgres::PostgresSource>(*config, memory.get());
    }
    cdc::agent::CheckedTables checked;
    cdc::agent::SetTransformCheck(*config, *source, &checked);
    cdc::Status fits = source->CheckTransformsNow(g_stop);
    if (!fits.ok()) problems.push_back(fits.message());
  }
  for (const auto& p : problems) std::fprintf(stderr, "cdc-agent: problem: %s\n", p.c_str());
  if (!problems.empty()) return kExitError;
  std::printf("ok: configuration valid, source ready, Kafka reachable, offsets.path usable%s\n",
              config->transforms.empty() ? "" : ", transforms fit the captured tables");
  return 0;
}

// `snapshot --tables`: a request that the running agent (or the next run)
// reads the tables again.
int SnapshotTables(const std::string& path, const std::vector<std::string>& names) {
  auto config = Load(path);
  if (!config.ok()) return Fail(config.status().message(), kExitConfig);
  const bool mysql = config->source.type == cdc::agent::SourceConfig::Type::kMysql;
  std::vector<cdc::agent::TableName> tables;
  for (const std::string& name : names) {
    cdc::Result<cdc::agent::TableName> t =
        mysql ? cdc::agent::config_internal::ParseMysqlTableName(name)
              : cdc::agent::config_internal::ParseTableName(name);
    if (!t.ok()) return Fail("--tables: " + t.status().message(), kExitConfig);
    const auto& pg_tables = config->source.postgres.tables;
    const bool captured =
        mysql ? config->source.mysql.Includes(t->schema, t->table)
              : pg_tables.empty() ||
                    std::find(pg_tables.begin(), pg_tables.end(), *t) != pg_tables.end();
    if (!captured) {
      return Fail("--tables: " + t->ToString() + " is not captured by this agent (" +
                      (mysql ? "source.databases, source.tables" : "source.tables") + ")",
                  kExitConfig);
    }
    if (std::find(tables.begin(), tables.end(), *t) == tables.end()) tables.push_back(*t);
  }
  if (tables.empty()) return Fail("--tables: name at least one table", kExitConfig);
  cdc::Result<std::string> file = cdc::agent::WriteSnapshotRequest(
      cdc::agent::SnapshotRequestDir(config->offsets.path), tables);
  if (!file.ok()) return Fail(file.status().message());
  std::printf("requested a snapshot of %zu table%s (%s); the running agent takes it within a "
              "second, or the next run at start; `cdc-agent offsets show` shows its progress\n",
              tables.size(), tables.size() == 1 ? "" : "s", file->c_str());
  return 0;
}

// What the offsets topic holds for this agent, for `offsets` (exactly once
// only). Unreachable brokers are an error: Kafka is the authority.
cdc::Result<cdc::agent::CommittedOffsets> ReadKafkaOffsets(const cdc::agent::AgentConfig& config) {
  cdc::Result<cdc::agent::CommittedOffsets> kafka =
      cdc::agent::ReadCommittedOffsets(config.kafka, kKafkaCheckMs);
  if (!kafka.ok()) {
    return cdc::Status::IOError(kafka.status().message() +
                                " (kafka.delivery is exactly-once: the position lives in Kafka)");
  }
  return kafka;
}

int Offsets(const std::string& action, const std::string& path, const std::string& position,
            bool yes) {
  auto config = Load(path);
  if (!config.ok()) return Fail(config.status().message(), kExitConfig);
  // `show` reads beside a running agent, which holds the store's lock.
  auto store = action == "show" ? cdc::offsets::OpenRocksDbOffsetStoreReadOnly(config->offsets.path)
                                : cdc::offsets::OpenRocksDbOffsetStore(config->offsets.path);
  if (!store.ok()) return Fail(store.status().message());
  const std::string& name = config->source.name;
  const bool in_kafka = config->kafka.exactly_once;
  if (action == "show") {
    auto pos = (*store)->Load(name);
    if (!pos.ok()) return Fail(pos.status().message());
    std::optional<cdc::offsets::Position> shown = *pos;
    if (in_kafka) {
      auto kafka = ReadKafkaOffsets(*config);
      if (!kafka.ok()) return Fail(kafka.status().message());
      if (kafka->position != *pos) {
        std::fprintf(stderr,
                     "cdc-agent: note: offsets.path holds %s; the agent resumes from Kafka's "
                     "%s and repairs offsets.path at start\n",
                     pos->has_value() ? (*pos)->ToString().c_str() : "none",
                     kafka->position ? kafka->position->ToString().c_str() : "none");
        if (kafka->position) shown = kafka->position;
      }
    }
    std::printf("%s\t%s\n", name.c_str(), shown ? shown->ToString().c_str() : "none");
    return 0;
  }
  if (action == "reset") {
    if (!yes) {
      auto pos = (*store)->Load(name);
      const std::string held =
          !pos.ok() ? "" : pos->has_value() ? " (now " + (*pos)->ToString() + ")" : " (none stored)";
      return Fail("offsets reset forgets the stored position of source '" + name + "'" + held +
                      ": the next run starts over, with a new snapshot when snapshot is initial; "
                      "add --yes to do it",
                  kExitConfig);
    }
    if (in_kafka) {
      auto kafka = ReadKafkaOffsets(*config);
      if (!kafka.ok()) return Fail(kafka.status().message());
      std::vector<std::string> states;
      for (const auto& [state, blob] : kafka->states) states.push_back(state);
      cdc::Status s = cdc::agent::WriteCommittedOffsets(config->kafka, std::nullopt, states);
      if (!s.ok()) return Fail(s.message());
    }
    cdc::Status s = (*store)->Reset(name);
    if (s.ok()) s = cdc::agent::MarkStartOver(**store, name);
    if (!s.ok()) return Fail(s.message());
    std::printf("%s\treset: the next run starts over (with a snapshot if configured)\n", name.c_str());
    return 0;
  }
  auto pos = cdc::offsets::Position::Parse(position);
  if (!pos.ok()) return Fail("--position: " + pos.status().message(), kExitConfig);
  const bool mysql = config->source.type == cdc::agent::SourceConfig::Type::kMysql;
  // Open aggregate windows and their watermark belong to the old position:
  // a replay from the new one counts afresh.
  auto is_window = [](const std::string& state) {
    return state.starts_with(cdc::agent::Aggregator::kPrefix) ||
           state == cdc::agent::Aggregator::kWatermark;
  };
  if (in_kafka) {
    // The schema history was kept for the old position (maybe of another
    // server): the next run starts a new one from the schema it finds.
    std::vector<std::string> states;
    if (mysql) states.push_back(cdc::agent::mysql::SchemaHistory::kStateName);
    auto kafka = ReadKafkaOffsets(*config);
    if (!kafka.ok()) return Fail(kafka.status().message());
    for (const auto& [state, blob] : kafka->states) {
      if (is_window(state)) states.push_back(state);
    }
    cdc::Status s = cdc::agent::WriteCommittedOffsets(config->kafka, *pos, states);
    if (!s.ok()) return Fail(s.message());
  }
  std::vector<cdc::offsets::StateChange> windows;
  auto local = (*store)->ListStates(name, cdc::agent::Aggregator::kPrefix);
  if (!local.ok()) return Fail(local.status().message());
  for (std::string& state : *local) windows.push_back({std::move(state), std::nullopt});
  windows.push_back({std::string(cdc::agent::Aggregator::kWatermark), std::nullopt});
  cdc::Status s = (*store)->StoreWith(name, *pos, windows);
  if (!s.ok()) return Fail(s.message());
  if (mysql) {
    s = (*store)->PutState(name, cdc::agent::mysql::SchemaHistory::kStateName, "");
    if (!s.ok()) return Fail(s.message());
  }
  std::printf("%s\t%s\n", name.c_str(), pos->ToString().c_str());
  return 0;
}

int DecodeBinlog(const std::vector<std::string>& files, const std::string& server_name) {
  cdc::agent::mysql::DecodeBinlogStats stats;
  cdc::Status s = cdc::agent::mysql::DecodeBinlogFiles(files, server_name, std::cout, &stats);
  std::cout.flush();
  std::fprintf(stderr, "cdc-agent: decode-binlog: %s\n",
               cdc::agent::mysql::DescribeStats(stats).c_str());
  if (!s.ok()) return Fail(s.message());
  return 0;
}

int Tail(const cdc::agent::TailOptions& options) {
  SetupLogging("warn");
  cdc::Status s = cdc::agent::Tail(options, std::cout, g_stop);
  std::cout.flush();
  if (!s.ok()) return Fail(s.message());
  return 0;
}

int Schema(const std::string& descriptor_set_path) {
  if (!descriptor_set_path.empty()) {
    cdc::Status s = cdc::agent::WriteEventDescriptorSet(descriptor_set_path);
    if (!s.ok()) return Fail(s.message());
    return 0;
  }
  // Exactly the file (cdc/v1/change_event.proto), so that the output can be
  // saved under that name and compiled.
  std::cout << cdc::agent::ChangeEventProtoText();
  std::cout.flush();
  return std::cout ? 0 : kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cdc-agent: change data capture from PostgreSQL and MySQL/MariaDB to Kafka"};
  app.require_subcommand(1);
  std::string config_path;

  auto* run = app.add_subcommand("run", "Run the agent");
  run->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();

  auto* check = app.add_subcommand("check", "Validate the configuration and the prerequisites");
  check->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();

  cdc::agent::TailOptions tail;
  auto* tail_cmd = app.add_subcommand("tail", "Print the events of a topic as JSON lines");
  tail_cmd->add_option("--brokers", tail.brokers, "Kafka brokers host:port[,...]")->required();
  tail_cmd->add_option("--topic", tail.topic, "Topic to read")->required();
  tail_cmd->add_flag("--from-beginning", tail.from_beginning, "Start at the earliest offset");
  tail_cmd->add_option("--max", tail.max_messages, "Stop after this many messages");
  tail_cmd->add_option("--idle-timeout-ms", tail.idle_timeout_ms,
                       "Stop after this long without a message");
  tail_cmd->add_option("--group", tail.group_id,
                       "Join this consumer group, resume from its offsets and commit them");

  std::string offsets_action;
  std::string position;
  auto* offsets = app.add_subcommand("offsets", "Show, set or reset the stored source position");
  offsets->add_option("action", offsets_action, "show | set | reset")
      ->required()
      ->check(CLI::IsMember({"show", "set", "reset"}));
  offsets->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  offsets->add_option("--position", position, "For set: pg:X/Y or mysql:FILE:POS [gtid=SET]");
  bool offsets_yes = false;
  offsets->add_flag("--yes", offsets_yes, "For reset: confirm that the position is to be forgotten");

  std::vector<std::string> binlog_files;
  std::string binlog_server = "offline";
  auto* decode = app.add_subcommand("decode-binlog",
                                    "Print the row changes of MySQL/MariaDB binlog files as JSON lines");
  decode->add_option("files", binlog_files, "Binlog files, in order")->required()->check(CLI::ExistingFile);
  decode->add_option("--server-name", binlog_server, "source.server_name of the events");

  std::string descriptor_set_path;
  auto* schema = app.add_subcommand(
      "schema", "Print the .proto schema of the events (or write it as a FileDescriptorSet)");
  schema->add_option("--descriptor-set", descriptor_set_path,
                     "Write a serialized FileDescriptorSet to this file instead");

  std::vector<std::string> snapshot_tables;
  auto* snapshot = app.add_subcommand(
      "snapshot", "Ask the agent to read chosen tables again (an incremental snapshot)");
  snapshot->add_option("-c,--config", config_path, "Configuration file (YAML)")->required();
  snapshot->add_option("--tables", snapshot_tables, "Tables: schema.table (PostgreSQL) or "
                                                    "database.table (MySQL), comma-separated")
      ->required()
      ->delimiter(',');

  auto* version = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);
  signal(SIGPIPE, SIG_IGN);
  if (*run || *tail_cmd) InstallSignalHandlers();
  if (*run) return Run(config_path);
  if (*check) return Check(config_path);
  if (*tail_cmd) return Tail(tail);
  if (*decode) return DecodeBinlog(binlog_files, binlog_server);
  if (*schema) return Schema(descriptor_set_path);
  if (*snapshot) return SnapshotTables(config_path, snapshot_tables);
  if (*offsets) {
    if (offsets_action == "set" && position.empty()) return Fail("offsets set needs --position", kExitConfig);
    return Offsets(offsets_action, config_path, position, offsets_yes);
  }
  if (*version) {
    std::printf("cdc-agent %s\n", CDC_VERSION);
    return 0;
  }
  return 0;
}
