// The cdc.v1.ChangeEvent of one five-column row (int8, text, numeric,
// timestamptz, bool): Protobuf serialization into a reused buffer, by
// protobuf and by the sink's own writer, which is what every published event
// costs, against the JSON printing that
// `decode-binlog` and `tail` add per event (EventToJson, and protobuf's own
// printer whose output it reproduces), and the parse `tail` does first.
#include <benchmark/benchmark.h>
#include <google/protobuf/util/json_util.h>

#include <string>

#include "agent/event_json.h"
#include "agent/event_wire.h"
#include "cdc/v1/change_event.pb.h"
#include "decoders/pgoutput/types.h"
#include "tests/bench/bench_util.h"

namespace cdc::bench {
namespace {

// The event the PostgreSQL source publishes for an insert of the synthetic
// row; `error` is set when a value does not convert.
cdc::v1::ChangeEvent FiveColumnEvent(std::string* error) {
  cdc::v1::ChangeEvent event;
  cdc::v1::Source* source = event.mutable_source();
  source->set_kind(cdc::v1::SOURCE_KIND_POSTGRES);
  source->set_server_name("bench");
  source->set_database("shop");
  source->set_schema("public");
  source->set_table("orders");
  source->mutable_postgres()->set_lsn(0x16B3748);
  source->mutable_postgres()->set_commit_lsn(0x16B3790);
  source->set_transaction_id(7421);
  source->set_commit_time_us(1714566896789012);
  source->set_event_index(3);
  event.set_op(cdc::v1::OP_INSERT);
  event.add_key_columns("id");
  pgoutput::TypeRegistry registry;
  for (const SyntheticColumn& c : kFiveColumns) {
    cdc::v1::Column* col = event.add_after();
    col->set_name(c.name);
    col->set_type(c.type_name);
    Status s = pgoutput::TextToValue(registry, c.type_oid, -1, c.text, col->mutable_value());
    if (!s.ok()) *error = std::string(c.name) + ": " + s.ToString();
  }
  return event;
}

void BM_SerializeToString(benchmark::State& state) {
  std::string error;
  const cdc::v1::ChangeEvent event = FiveColumnEvent(&error);
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::string buffer;
  for (auto _ : state) {
    event.SerializeToString(&buffer);
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buffer.size()));
  state.counters["rows"] = Rate(state, 1);
  state.counters["out_bytes_per_row"] = static_cast<double>(buffer.size());
}
BENCHMARK(BM_SerializeToString);

// The same event through the sink's one-pass writer (agent/event_wire.h),
// which gives the same bytes.
void BM_AppendEventWire(benchmark::State& state) {
  std::string error;
  const cdc::v1::ChangeEvent event = FiveColumnEvent(&error);
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  std::string ours;
  agent::AppendEventWire(event, &ours);
  if (ours != event.SerializeAsString()) {
    state.SkipWithError("AppendEventWire and SerializeAsString differ");
    return;
  }
  std::string buffer;
  for (auto _ : state) {
    buffer.clear();
    agent::AppendEventWire(event, &buffer);
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buffer.size()));
  state.counters["rows"] = Rate(state, 1);
  state.counters["out_bytes_per_row"] = static_cast<double>(buffer.size());
}
BENCHMARK(BM_AppendEventWire);

void BM_ParseFromString(benchmark::State& state) {
  std::string error;
  const std::string bytes = FiveColumnEvent(&error).SerializeAsString();
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  cdc::v1::ChangeEvent parsed;
  for (auto _ : state) {
    if (!parsed.ParseFromString(bytes)) {
      state.SkipWithError("ChangeEvent did not parse back");
      return;
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.counters["rows"] = Rate(state, 1);
}
BENCHMARK(BM_ParseFromString);

void BM_EventToJson(benchmark::State& state) {
  std::string error;
  const cdc::v1::ChangeEvent event = FiveColumnEvent(&error);
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  size_t json_bytes = 0;
  for (auto _ : state) {
    std::string json = agent::EventToJson(event);
    json_bytes = json.size();
    benchmark::DoNotOptimize(json.data());
  }
  if (json_bytes == 0) {
    state.SkipWithError("EventToJson printed nothing");
    return;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json_bytes));
  state.counters["rows"] = Rate(state, 1);
  state.counters["out_bytes_per_row"] = static_cast<double>(json_bytes);
}
BENCHMARK(BM_EventToJson);

// protobuf's own JSON printer with the options EventToJson reproduces: what
// EventToJson was before it printed the events itself, and its reference.
void BM_ProtobufMessageToJson(benchmark::State& state) {
  std::string error;
  const cdc::v1::ChangeEvent event = FiveColumnEvent(&error);
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = false;
  size_t json_bytes = 0;
  for (auto _ : state) {
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(event, &json, options).ok()) {
      state.SkipWithError("MessageToJsonString failed");
      return;
    }
    json_bytes = json.size();
    benchmark::DoNotOptimize(json.data());
  }
  if (json_bytes != agent::EventToJson(event).size()) {
    state.SkipWithError("MessageToJsonString and EventToJson printed different lengths");
    return;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json_bytes));
  state.counters["rows"] = Rate(state, 1);
  state.counters["out_bytes_per_row"] = static_cast<double>(json_bytes);
}
BENCHMARK(BM_ProtobufMessageToJson);

// Reference: copying the serialized event's bytes once.
void BM_MemcpySerialized(benchmark::State& state) {
  std::string error;
  const std::string bytes = FiveColumnEvent(&error).SerializeAsString();
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  MemcpyReference(state, bytes);
}
BENCHMARK(BM_MemcpySerialized);

}  // namespace
}  // namespace cdc::bench

BENCHMARK_MAIN();
