// Binlog decoding of whole fixture files held in memory: framing, events,
// TABLE_MAP schemas and every row image (BM_BinlogDecodeRows), then the same
// plus what the live MySQL/MariaDB source adds per row: the ChangeEvent and
// RowKey built (BM_BinlogDecodeBuild) and serialized as the Kafka sink does
// (agent/event_wire.h; BM_BinlogDecodeBuildSerialize). No JSON.
//
// As in the live source, the decoder writes each row's values straight into
// the columns of an event recycled from the row before: cleared, with the
// sub-messages it held kept (agent/event_spares.h), a whole row kept as
// named by its table's shape and refilled for that table without setting
// its names again. As there too, a TABLE_MAP equal to the one before for its
// table id keeps the schema made of it.
// BM_BinlogDecodeBuildNoReuse fills the event without kept sub-messages, the
// reference that shows what the reuse saves.
//
// The fixtures are ../shared/fixtures/binlog/ beside the work tree; without
// them the benchmarks report an error naming the missing file.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <variant>

#include "agent/batch.h"
#include "agent/event_wire.h"
#include "agent/mysql/row_event_builder.h"
#include "cdc/v1/change_event.pb.h"
#include "decoders/binlog/events.h"
#include "decoders/binlog/rows.h"
#include "tests/bench/bench_util.h"

namespace cdc::bench {
namespace {

struct Fixture {
  std::string error;  // non-empty: the file could not be read
  std::string bytes;
};

const Fixture& LoadFixture(const std::string& name) {
  static auto* cache = new std::map<std::string, Fixture>();
  auto it = cache->find(name);
  if (it != cache->end()) return it->second;
  Fixture& f = (*cache)[name];
  std::string path = std::string(CDC_SOURCE_DIR) + "/../shared/fixtures/binlog/" + name;
  std::optional<std::string> bytes = ReadFile(path);
  if (bytes.has_value()) {
    f.bytes = std::move(*bytes);
  } else {
    f.error = "binlog fixture not found: " + path +
              " (the shared fixtures folder must sit beside the work tree)";
  }
  return f;
}

struct PassCounts {
  uint64_t events = 0;  // outer events plus events inside transaction payloads
  uint64_t rows_events = 0;
  uint64_t rows = 0;
  uint64_t columns = 0;  // present values of both images; counted only on request
  uint64_t serialized_bytes = 0;  // value plus key, with kBuildSerialize
};

enum class Mode { kDecode, kBuild, kBuildNoReuse, kBuildSerialize };

// One decoding pass over a whole file. Beyond kDecode, every row change also
// becomes a ChangeEvent and RowKey, reused across rows; kBuildSerialize also
// serializes both into reused buffers, as the live source does before
// handing them to the Kafka sink.
template <Mode kMode>
class FilePass {
  static constexpr bool kBuildsEvents = kMode != Mode::kDecode;

 public:
  FilePass() {
    ctx_.server_name = "bench";
    ctx_.file = "binlog.000001";  // the live source names the server's file
  }

  // With `count_columns`, also counts the columns of every row image (kept
  // out of the timed passes).
  Status Run(std::string_view file, bool count_columns = false) {
    count_columns_ = count_columns;
    decoder_ = binlog::EventDecoder();
    tables_.clear();
    counts_ = PassCounts();
    binlog::FileReader reader(file);
    CDC_RETURN_IF_ERROR(reader.Open());
    while (true) {
      Result<std::optional<std::string_view>> next = reader.Next();
      if (!next.ok()) return next.status();
      if (!next->has_value()) break;
      Result<binlog::Event> event = decoder_.Decode(**next);
      if (!event.ok()) return event.status();
      CDC_RETURN_IF_ERROR(Handle(*event));
      if (event->header.type != static_cast<uint8_t>(binlog::EventType::kTransactionPayload)) {
        continue;
      }
      while (true) {
        Result<std::optional<binlog::Event>> inner = decoder_.NextPayloadEvent();
        if (!inner.ok()) return inner.status();
        if (!inner->has_value()) break;
        (*inner)->header.log_pos = event->header.log_pos;
        CDC_RETURN_IF_ERROR(Handle(**inner));
      }
    }
    return Status::OK();
  }

  const PassCounts& counts() const { return counts_; }

 private:
  Status Handle(const binlog::Event& event) {
    ++counts_.events;
    const binlog::EventBody& body = event.body;
    if (const auto* map = std::get_if<binlog::TableMap>(&body)) {
      MapTable(*map);
    } else if (const auto* rows = std::get_if<binlog::RowsEvent>(&body)) {
      return HandleRows(event.header, *rows);
    } else if constexpr (kBuildsEvents) {
      TrackTransaction(body);
    }
    return Status::OK();
  }

  // As the live source (MysqlSource::HandleTableMap): a TABLE_MAP equal to
  // the one its table id had keeps the schema made of it; one shape per
  // table while its columns stay the same.
  void MapTable(const binlog::TableMap& map) {
    Mapped& mapped = tables_[map.table_id];
    if (mapped.shape != nullptr && mapped.map == map) return;
    mapped.map = map;
    mapped.schema = binlog::SchemaFromTableMap(map);
    mapped.shape = agent::mysql::KeepShape(mapped.schema, ctx_.kind,
                                           &shapes_[{mapped.schema.schema, mapped.schema.table}]);
  }

  void TrackTransaction(const binlog::EventBody& body) {
    if (const auto* fd = std::get_if<binlog::FormatDescription>(&body)) {
      ctx_.kind = agent::mysql::KindOf(*fd);
    } else if (const auto* g = std::get_if<binlog::MysqlGtid>(&body)) {
      ctx_.gtid = g->anonymous ? "" : g->ToString();
      ctx_.event_index = 0;
    } else if (const auto* mg = std::get_if<binlog::MariaGtid>(&body)) {
      ctx_.gtid = mg->ToString();
      ctx_.event_index = 0;
    }
  }

  Status HandleRows(const binlog::EventHeader& header, const binlog::RowsEvent& rows) {
    ++counts_.rows_events;
    auto it = tables_.find(rows.table_id);
    if (it == tables_.end()) {
      return Status::Corruption("rows event for table id " + std::to_string(rows.table_id) +
                                " without a TABLE_MAP");
    }
    const binlog::TableSchema& schema = it->second.schema;
    const agent::TableShapePtr& shape = it->second.shape;
    if constexpr (kBuildsEvents) {
      ctx_.pos = header.log_pos;
      ctx_.commit_time_us = static_cast<int64_t>(header.timestamp) * 1000000;
    }
    if constexpr (!kBuildsEvents) {
      return binlog::DecodeRows(rows, schema, [&](binlog::RowChange& change) {
        ++counts_.rows;
        if (count_columns_) {
          for (const binlog::RowImage* image : {&change.before, &change.after}) {
            counts_.columns += static_cast<uint64_t>(
                std::count(image->present.begin(), image->present.end(), true));
          }
        }
        benchmark::DoNotOptimize(change);
        return Status::OK();
      });
    } else {
      // As the live source: the decoder fills the columns of the event.
      constexpr bool kReuse = kMode != Mode::kBuildNoReuse;
      return agent::mysql::DecodeRowEvents(
          rows, schema, kReuse ? shape.get() : nullptr, ctx_, kReuse ? &spares_ : nullptr,
          [&]() {
            // DecodeRowEvents clears the event; with reuse, its messages
            // go to the filler's spares first, its rows named by the table.
            if constexpr (kReuse) {
              out_.Clear();
              spares_.TakeFrom(&out_.spares);
              out_.table = shape;
              out_.rows_named_by_table = true;
            }
            return &out_.event;
          },
          [&](cdc::v1::ChangeEvent* event) {
            ++counts_.rows;
            if (count_columns_) {
              counts_.columns += static_cast<uint64_t>(event->before_size() + event->after_size());
            }
            const bool has_key = agent::mysql::RowKeyOf(schema, *event, &key_);
            ++ctx_.event_index;
            if constexpr (kMode == Mode::kBuildSerialize) {
              value_buffer_.clear();
              agent::AppendEventWire(*event, &value_buffer_);
              counts_.serialized_bytes += value_buffer_.size();
              if (has_key) {
                key_buffer_.clear();
                agent::AppendRowKeyWire(key_, &key_buffer_);
                counts_.serialized_bytes += key_buffer_.size();
              }
            } else {
              benchmark::DoNotOptimize(has_key);
              benchmark::DoNotOptimize(*event);
            }
            return Status::OK();
          });
    }
  }

  binlog::EventDecoder decoder_;
  struct Mapped {
    binlog::TableMap map;
    binlog::TableSchema schema;
    agent::TableShapePtr shape;
  };
  std::unordered_map<uint64_t, Mapped> tables_;
  std::map<std::pair<std::string, std::string>, agent::TableShapePtr> shapes_;
  PassCounts counts_;
  bool count_columns_ = false;
  agent::mysql::RowContext ctx_;
  agent::OutEvent out_;
  agent::EventSpares spares_;
  cdc::v1::RowKey key_;
  std::string value_buffer_;
  std::string key_buffer_;
};

template <Mode kMode>
void RunFilePasses(benchmark::State& state, const std::string& name) {
  const Fixture& fixture = LoadFixture(name);
  if (!fixture.error.empty()) {
    state.SkipWithError(fixture.error.c_str());
    return;
  }
  FilePass<kMode> pass;
  // One untimed pass checks the file decodes and gives the per-pass counts.
  if (Status s = pass.Run(fixture.bytes, /*count_columns=*/true); !s.ok()) {
    state.SkipWithError((name + ": " + s.ToString()).c_str());
    return;
  }
  const PassCounts counts = pass.counts();
  for (auto _ : state) {
    Status s = pass.Run(fixture.bytes);
    if (!s.ok()) {
      state.SkipWithError((name + ": " + s.ToString()).c_str());
      return;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * fixture.bytes.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * counts.events));
  state.counters["rows"] = Rate(state, static_cast<double>(counts.rows));
  state.counters["columns"] = Rate(state, static_cast<double>(counts.columns));
  state.counters["rows_per_pass"] = static_cast<double>(counts.rows);
  if constexpr (kMode == Mode::kBuildSerialize) {
    state.counters["out_bytes_per_row"] =
        counts.rows == 0 ? 0.0
                         : static_cast<double>(counts.serialized_bytes) /
                               static_cast<double>(counts.rows);
  }
}

void BM_BinlogDecodeRows(benchmark::State& state, const char* file) {
  RunFilePasses<Mode::kDecode>(state, file);
}

void BM_BinlogDecodeBuild(benchmark::State& state, const char* file) {
  RunFilePasses<Mode::kBuild>(state, file);
}

void BM_BinlogDecodeBuildNoReuse(benchmark::State& state, const char* file) {
  RunFilePasses<Mode::kBuildNoReuse>(state, file);
}

void BM_BinlogDecodeBuildSerialize(benchmark::State& state, const char* file) {
  RunFilePasses<Mode::kBuildSerialize>(state, file);
}

// Reference: copying the whole file once.
void BM_BinlogMemcpy(benchmark::State& state, const char* file) {
  const Fixture& fixture = LoadFixture(file);
  if (!fixture.error.empty()) {
    state.SkipWithError(fixture.error.c_str());
    return;
  }
  MemcpyReference(state, fixture.bytes);
}

constexpr const char* kMariadbTypes = "mariadb-10.11-types.binlog";
constexpr const char* kMysqlWorkloadA = "mysql-8.0-workload-a.binlog";

BENCHMARK_CAPTURE(BM_BinlogDecodeRows, mariadb_types, kMariadbTypes)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BinlogDecodeRows, mysql_workload_a, kMysqlWorkloadA)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BinlogDecodeBuild, mariadb_types, kMariadbTypes)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BinlogDecodeBuild, mysql_workload_a, kMysqlWorkloadA)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BinlogDecodeBuildNoReuse, mariadb_types, kMariadbTypes)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BinlogDecodeBuildNoReuse, mysql_workload_a, kMysqlWorkloadA)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BinlogDecodeBuildSerialize, mariadb_types, kMariadbTypes)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BinlogDecodeBuildSerialize, mysql_workload_a, kMysqlWorkloadA)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BinlogMemcpy, mariadb_types, kMariadbTypes)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_BinlogMemcpy, mysql_workload_a, kMysqlWorkloadA)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cdc::bench

BENCHMARK_MAIN();
