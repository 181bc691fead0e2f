// The cost of transforms where they run: the encoder thread's work on a
// batch (the dispatch stage, then each event's key and value bytes), for
// 1,000 events of the five-column row, without transforms and through a
// five-step chain (filter on an expression, project, mask with a salted
// SHA-256, compute, route by a template with other key columns). Both copy
// the batch first, as a source hands over a new one each time.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "agent/batch_encoder.h"
#include "agent/config.h"
#include "agent/dispatch.h"
#include "cdc/v1/change_event.pb.h"
#include "decoders/pgoutput/types.h"
#include "tests/bench/bench_util.h"

namespace cdc::bench {
namespace {

constexpr int kEvents = 1000;

constexpr char kChain[] =
    "transforms:\n"
    "  - type: filter\n"
    "    when: \"amount > 0 && op != 'truncate'\"\n"
    "  - type: project\n"
    "    exclude: [active]\n"
    "    rename: {customer: client}\n"
    "  - type: mask\n"
    "    salt_env: BENCH_SALT\n"
    "    columns:\n"
    "      client: hash\n"
    "  - type: compute\n"
    "    columns:\n"
    "      cents: \"cast(amount * 100 as int)\"\n"
    "  - type: route\n"
    "    topic: \"${prefix}.sales.${table}\"\n"
    "    key: [id, client]\n";

agent::TableShapePtr Shape() {
  auto shape = std::make_shared<agent::TableShape>();
  shape->kind = cdc::v1::SOURCE_KIND_POSTGRES;
  shape->schema = "public";
  shape->table = "orders";
  for (const SyntheticColumn& c : kFiveColumns) shape->columns.push_back({c.name, c.type_name});
  shape->key = {0};
  return shape;
}

// kEvents inserts of the five-column row, each with its own id and customer.
agent::Batch Events(std::string* error) {
  agent::Batch batch;
  const agent::TableShapePtr shape = Shape();
  pgoutput::TypeRegistry registry;
  for (int i = 0; i < kEvents; ++i) {
    agent::OutEvent& out = batch.events.emplace_back();
    out.table = shape;
    cdc::v1::ChangeEvent& e = out.event;
    cdc::v1::Source* source = e.mutable_source();
    source->set_kind(cdc::v1::SOURCE_KIND_POSTGRES);
    source->set_server_name("bench");
    source->set_database("shop");
    source->set_schema("public");
    source->set_table("orders");
    source->mutable_postgres()->set_lsn(0x16B3748 + static_cast<uint64_t>(i) * 64);
    source->set_event_index(static_cast<uint64_t>(i));
    e.set_op(cdc::v1::OP_INSERT);
    e.add_key_columns("id");
    for (const SyntheticColumn& c : kFiveColumns) {
      cdc::v1::Column* col = e.add_after();
      col->set_name(c.name);
      col->set_type(c.type_name);
      std::string text = c.text;
      if (std::string_view(c.name) == "id") text = std::to_string(1000000 + i);
      if (std::string_view(c.name) == "customer") text = "customer-" + std::to_string(i) + "@x.org";
      Status s = pgoutput::TextToValue(registry, c.type_oid, -1, text, col->mutable_value());
      if (!s.ok()) *error = std::string(c.name) + ": " + s.ToString();
    }
  }
  return batch;
}

void Stage(benchmark::State& state, const std::string& transforms) {
  const std::string yaml =
      "name: bench\nsource:\n  type: postgres\n  user: u\n  database: shop\nkafka:\n"
      "  brokers: 127.0.0.1:9092\n  topic_prefix: bench\noffsets:\n  path: /tmp/unused\n" +
      transforms;
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "BENCH_SALT") return std::string("bench-salt");
    return std::nullopt;
  };
  Result<agent::AgentConfig> config = agent::ParseConfig(yaml, env);
  std::string error;
  const agent::Batch events = Events(&error);
  if (!config.ok() || !error.empty()) {
    state.SkipWithError(config.ok() ? error.c_str() : config.status().ToString().c_str());
    return;
  }
  agent::Dispatcher dispatcher(*config);
  agent::BatchEncoder encoder(config->kafka);
  if (!encoder.Open().ok()) {
    state.SkipWithError("encoder did not open");
    return;
  }
  size_t bytes = 0;
  for (auto _ : state) {
    agent::Batch batch = events;
    Status s = dispatcher.Apply(&batch);
    if (!s.ok() || batch.events.size() != static_cast<size_t>(kEvents)) {
      state.SkipWithError(s.ok() ? "events were dropped" : s.ToString().c_str());
      return;
    }
    Result<agent::EncodedBatch> encoded = encoder.Encode(std::move(batch), nullptr);
    if (!encoded.ok()) {
      state.SkipWithError(encoded.status().ToString().c_str());
      return;
    }
    bytes = encoded->bytes.size();
    benchmark::DoNotOptimize(encoded->bytes.data());
  }
  state.counters["events"] = Rate(state, kEvents);
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / kEvents;
}

void BM_DispatchEncode_NoTransforms(benchmark::State& state) { Stage(state, ""); }
BENCHMARK(BM_DispatchEncode_NoTransforms)->Unit(benchmark::kMillisecond);

void BM_DispatchEncode_FiveStepChain(benchmark::State& state) { Stage(state, kChain); }
BENCHMARK(BM_DispatchEncode_FiveStepChain)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cdc::bench

BENCHMARK_MAIN();
