// pgoutput decoding and text-to-value conversion: the captured PostgreSQL 15
// stream of tests/data/pgoutput/ and a synthetic five-column row, the hot
// path of the PostgreSQL source. DecodeConvert converts values into slots
// reused from one row to the next; DecodeBuild does what the live source
// does per row (agent/postgres/postgres_rows.cc): the ChangeEvent filled
// through the spares of the event before it (columns with their names and
// types, values, the source block and position) and its Kafka key built as
// the dispatch stage builds it.
#include <benchmark/benchmark.h>

#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "agent/batch.h"
#include "agent/dispatch.h"
#include "agent/postgres/event_builder.h"
#include "cdc/v1/change_event.pb.h"
#include "decoders/pgoutput/decoder.h"
#include "decoders/pgoutput/types.h"
#include "tests/bench/bench_util.h"

namespace cdc::bench {
namespace {

using pgoutput::DatumKind;
using pgoutput::Relation;
using pgoutput::Tuple;
using pgoutput::TypeRegistry;

struct CaptureInputs {
  std::string error;  // non-empty: the capture could not be used
  std::vector<CapturedMessage> messages;
  size_t total_bytes = 0;
  // Relations by OID; their string_views point into `messages`.
  std::unordered_map<uint32_t, Relation> relations;
  TypeRegistry registry;
  std::vector<const CapturedMessage*> changes;  // the Insert and Update messages
  size_t change_bytes = 0;
  size_t change_columns = 0;  // columns of all their tuples, old and new
};

// The registry a source builds from the Type messages: the enum "mood", the
// domain "posint" over int4 (pgoutput names a domain by its base type) and
// the arrays of both.
void RegisterCapturedTypes(const std::vector<pgoutput::Type>& types, TypeRegistry* registry) {
  std::unordered_map<std::string, uint32_t> element_oids;
  for (const pgoutput::Type& t : types) {
    if (t.name == "mood") {
      registry->Add({t.oid, "mood", pgoutput::PgType::Kind::kEnum});
      element_oids["mood"] = t.oid;
    } else if (t.name == "int4") {
      registry->Add({t.oid, "posint", pgoutput::PgType::Kind::kDomain, 0, 23});
      element_oids["posint"] = t.oid;
    }
  }
  for (const pgoutput::Type& t : types) {
    if (t.name.empty() || t.name[0] != '_') continue;
    auto element = element_oids.find(std::string(t.name.substr(1)));
    if (element == element_oids.end()) continue;
    registry->Add({t.oid, std::string(t.name), pgoutput::PgType::Kind::kArray, element->second});
  }
}

size_t TupleColumns(const pgoutput::Message& m) {
  if (const auto* ins = std::get_if<pgoutput::Insert>(&m)) return ins->new_tuple.columns.size();
  const auto& upd = std::get<pgoutput::Update>(m);
  return upd.old_tuple.columns.size() + upd.new_tuple.columns.size();
}

CaptureInputs* BuildCaptureInputs() {
  auto* in = new CaptureInputs;
  in->messages = LoadPgoutputCapture(&in->error);
  if (!in->error.empty()) return in;
  std::vector<pgoutput::Type> types;
  for (const CapturedMessage& c : in->messages) {
    in->total_bytes += c.bytes.size();
    Result<pgoutput::Message> m = pgoutput::DecodeMessage(c.bytes);
    if (!m.ok()) {
      in->error = c.label + ": " + m.status().ToString();
      return in;
    }
    if (const auto* rel = std::get_if<Relation>(&*m)) in->relations[rel->oid] = *rel;
    if (const auto* t = std::get_if<pgoutput::Type>(&*m)) types.push_back(*t);
    if (std::holds_alternative<pgoutput::Insert>(*m) ||
        std::holds_alternative<pgoutput::Update>(*m)) {
      in->changes.push_back(&c);
      in->change_bytes += c.bytes.size();
      in->change_columns += TupleColumns(*m);
    }
  }
  RegisterCapturedTypes(types, &in->registry);
  if (in->changes.empty()) in->error = "the capture holds no Insert or Update message";
  return in;
}

const CaptureInputs& Capture() {
  static const CaptureInputs* inputs = BuildCaptureInputs();
  return *inputs;
}

// Converts every column of `tuple` into `slots` (one per column, reused).
Status ConvertTuple(const Relation& rel, const TypeRegistry& registry, const Tuple& tuple,
                    std::vector<cdc::v1::Value>* slots) {
  if (tuple.columns.size() != rel.columns.size()) {
    return Status::Corruption("tuple and relation " + std::string(rel.name) + " disagree");
  }
  if (slots->size() < tuple.columns.size()) slots->resize(tuple.columns.size());
  for (size_t i = 0; i < tuple.columns.size(); ++i) {
    const pgoutput::Datum& d = tuple.columns[i];
    cdc::v1::Value& v = (*slots)[i];
    switch (d.kind) {
      case DatumKind::kNull:
        v.set_null(true);
        break;
      case DatumKind::kUnchanged:
        v.set_unchanged(true);
        break;
      case DatumKind::kText:
        CDC_RETURN_IF_ERROR(pgoutput::TextToValue(registry, rel.columns[i].type_oid,
                                                  rel.columns[i].type_modifier, d.bytes, &v));
        break;
      case DatumKind::kBinary:
        return Status::NotSupported("binary tuple data");
    }
  }
  return Status::OK();
}

// The tuples of an Insert or Update message.
struct ChangeTuples {
  uint32_t relation_oid = 0;
  cdc::v1::Op op = cdc::v1::OP_INSERT;
  char old_kind = '\0';              // as Update has it
  const Tuple* old_tuple = nullptr;  // null without one
  const Tuple* new_tuple = nullptr;
};

Result<ChangeTuples> TuplesOf(const pgoutput::Message& m) {
  ChangeTuples t;
  if (const auto* ins = std::get_if<pgoutput::Insert>(&m)) {
    t.relation_oid = ins->relation_oid;
    t.new_tuple = &ins->new_tuple;
  } else if (const auto* upd = std::get_if<pgoutput::Update>(&m)) {
    t.relation_oid = upd->relation_oid;
    t.op = cdc::v1::OP_UPDATE;
    t.old_kind = upd->old_kind;
    if (upd->old_kind != '\0') t.old_tuple = &upd->old_tuple;
    t.new_tuple = &upd->new_tuple;
  } else {
    return Status::InvalidArgument("not an Insert or Update message");
  }
  return t;
}

// Decodes one Insert or Update message and converts all its tuples.
Status DecodeAndConvert(std::string_view bytes,
                        const std::unordered_map<uint32_t, Relation>& relations,
                        const TypeRegistry& registry, std::vector<cdc::v1::Value>* slots) {
  Result<pgoutput::Message> m = pgoutput::DecodeMessage(bytes);
  if (!m.ok()) return m.status();
  CDC_ASSIGN_OR_RETURN(const ChangeTuples t, TuplesOf(*m));
  auto rel = relations.find(t.relation_oid);
  if (rel == relations.end()) return Status::Corruption("unknown relation");
  if (t.old_tuple != nullptr) {
    CDC_RETURN_IF_ERROR(ConvertTuple(rel->second, registry, *t.old_tuple, slots));
  }
  return ConvertTuple(rel->second, registry, *t.new_tuple, slots);
}

// What the source keeps of a relation from its Relation message
// (agent/postgres/postgres_stream.cc): names, types, the key, the shape.
agent::postgres::RelationInfo InfoOf(const Relation& rel, const TypeRegistry& registry) {
  agent::postgres::RelationInfo info;
  info.oid = rel.oid;
  info.schema = std::string(rel.schema);
  info.table = std::string(rel.name);
  info.replica_identity = rel.replica_identity;
  std::vector<std::string> key;
  for (const pgoutput::RelationColumn& c : rel.columns) {
    agent::postgres::ColumnInfo& col = info.columns.emplace_back();
    col.name = std::string(c.name);
    col.type_oid = c.type_oid;
    col.type_modifier = c.type_modifier;
    col.type_name = pgoutput::TypeName(registry, c.type_oid);
    col.identity = c.key;
    if (c.key) key.push_back(col.name);
  }
  agent::postgres::SetKeyColumns(key, &info);
  info.shape = agent::postgres::ShapeOf(info);
  return info;
}

// Each Insert or Update message becomes the event the live source makes of
// it, reusing the memory of the event before (OutEvent::Clear, EventSpares).
class BuildPass {
 public:
  BuildPass(const std::unordered_map<uint32_t, Relation>& relations, const TypeRegistry& registry)
      : registry_(registry) {
    for (const auto& [oid, rel] : relations) infos_[oid] = InfoOf(rel, registry);
  }

  Status Run(std::string_view bytes) {
    Result<pgoutput::Message> m = pgoutput::DecodeMessage(bytes);
    if (!m.ok()) return m.status();
    CDC_ASSIGN_OR_RETURN(const ChangeTuples t, TuplesOf(*m));
    auto it = infos_.find(t.relation_oid);
    if (it == infos_.end()) return Status::Corruption("unknown relation");
    const agent::postgres::RelationInfo& rel = it->second;
    // As EventPool hands out a recycled event and PostgresSource::NewEvent
    // fills it.
    out_.Clear();
    spares_.TakeFrom(&out_.spares);
    out_.table = rel.shape;
    out_.rows_named_by_table = true;
    cdc::v1::ChangeEvent& e = out_.event;
    e.set_op(t.op);
    cdc::v1::Source* src = spares_.SourceOf(&e);
    src->set_kind(cdc::v1::SOURCE_KIND_POSTGRES);
    if (!agent::SameText(src->server_name(), server_name_)) src->set_server_name(server_name_);
    if (!agent::SameText(src->database(), database_)) src->set_database(database_);
    cdc::v1::PostgresPosition* position = spares_.PostgresOf(src);
    lsn_ += bytes.size();
    position->set_lsn(lsn_);
    position->set_commit_lsn(lsn_ + 4096);
    src->set_transaction_id(742);
    src->set_commit_time_us(1764979200000000);
    src->set_event_index(event_index_++);
    agent::postgres::FillTableFields(rel, &e);
    CDC_RETURN_IF_ERROR(agent::postgres::TupleToColumns(rel, registry_, *t.new_tuple, false,
                                                        e.mutable_after(), &spares_));
    if (t.old_tuple != nullptr) {
      CDC_RETURN_IF_ERROR(agent::postgres::TupleToColumns(
          rel, registry_, *t.old_tuple, t.old_kind == 'K', e.mutable_before(), &spares_));
    }
    out_.has_key = agent::BuildRowKey(*rel.shape, e, &out_.key);
    benchmark::DoNotOptimize(out_.has_key);
    return Status::OK();
  }

  const agent::OutEvent& event() const { return out_; }

 private:
  const TypeRegistry& registry_;
  std::unordered_map<uint32_t, agent::postgres::RelationInfo> infos_;
  const std::string server_name_ = "bench";
  const std::string database_ = "cdc";
  uint64_t lsn_ = 0x16B3748;
  uint64_t event_index_ = 0;
  agent::OutEvent out_;
  agent::EventSpares spares_;
};

void BM_PgoutputDecodeCaptured(benchmark::State& state) {
  const CaptureInputs& in = Capture();
  if (!in.error.empty()) {
    state.SkipWithError(in.error.c_str());
    return;
  }
  for (auto _ : state) {
    for (const CapturedMessage& c : in.messages) {
      Result<pgoutput::Message> m = pgoutput::DecodeMessage(c.bytes);
      if (!m.ok()) {
        state.SkipWithError(m.status().ToString().c_str());
        return;
      }
      benchmark::DoNotOptimize(m);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * in.messages.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.total_bytes));
}
BENCHMARK(BM_PgoutputDecodeCaptured);

void BM_PgoutputDecodeConvertCaptured(benchmark::State& state) {
  const CaptureInputs& in = Capture();
  if (!in.error.empty()) {
    state.SkipWithError(in.error.c_str());
    return;
  }
  std::vector<cdc::v1::Value> slots;
  for (auto _ : state) {
    for (const CapturedMessage* c : in.changes) {
      Status s = DecodeAndConvert(c->bytes, in.relations, in.registry, &slots);
      if (!s.ok()) {
        state.SkipWithError((c->label + ": " + s.ToString()).c_str());
        return;
      }
    }
    benchmark::DoNotOptimize(slots.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.change_bytes));
  state.counters["rows"] = Rate(state, static_cast<double>(in.changes.size()));
  state.counters["columns"] = Rate(state, static_cast<double>(in.change_columns));
}
BENCHMARK(BM_PgoutputDecodeConvertCaptured);

void BM_PgoutputDecodeBuildCaptured(benchmark::State& state) {
  const CaptureInputs& in = Capture();
  if (!in.error.empty()) {
    state.SkipWithError(in.error.c_str());
    return;
  }
  BuildPass pass(in.relations, in.registry);
  for (auto _ : state) {
    for (const CapturedMessage* c : in.changes) {
      Status s = pass.Run(c->bytes);
      if (!s.ok()) {
        state.SkipWithError((c->label + ": " + s.ToString()).c_str());
        return;
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.change_bytes));
  state.counters["rows"] = Rate(state, static_cast<double>(in.changes.size()));
  state.counters["columns"] = Rate(state, static_cast<double>(in.change_columns));
}
BENCHMARK(BM_PgoutputDecodeBuildCaptured);

// The relation and registry the source would hold for the synthetic table.
struct SyntheticInputs {
  std::string message = SyntheticInsertMessage();
  std::unordered_map<uint32_t, Relation> relations;
  TypeRegistry registry;
  SyntheticInputs() {
    Relation rel;
    rel.oid = kSyntheticRelationOid;
    rel.schema = "public";
    rel.name = "orders";
    for (const SyntheticColumn& c : kFiveColumns) {
      rel.columns.push_back({c.name == std::string_view("id"), c.name, c.type_oid, -1});
    }
    relations[rel.oid] = rel;
  }
};

void BM_PgoutputDecodeSynthetic(benchmark::State& state) {
  const SyntheticInputs in;
  for (auto _ : state) {
    Result<pgoutput::Message> m = pgoutput::DecodeMessage(in.message);
    if (!m.ok()) {
      state.SkipWithError(m.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(m);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.message.size()));
  state.counters["rows"] = Rate(state, 1);
}
BENCHMARK(BM_PgoutputDecodeSynthetic);

void BM_PgoutputDecodeConvertSynthetic(benchmark::State& state) {
  const SyntheticInputs in;
  std::vector<cdc::v1::Value> slots;
  for (auto _ : state) {
    Status s = DecodeAndConvert(in.message, in.relations, in.registry, &slots);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(slots.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.message.size()));
  state.counters["rows"] = Rate(state, 1);
  state.counters["columns"] = Rate(state, static_cast<double>(std::size(kFiveColumns)));
}
BENCHMARK(BM_PgoutputDecodeConvertSynthetic);

void BM_PgoutputDecodeBuildSynthetic(benchmark::State& state) {
  const SyntheticInputs in;
  BuildPass pass(in.relations, in.registry);
  for (auto _ : state) {
    Status s = pass.Run(in.message);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.message.size()));
  state.counters["rows"] = Rate(state, 1);
  state.counters["columns"] = Rate(state, static_cast<double>(std::size(kFiveColumns)));
}
BENCHMARK(BM_PgoutputDecodeBuildSynthetic);

// Reference: copying the whole captured stream once.
void BM_PgoutputMemcpyCaptured(benchmark::State& state) {
  const CaptureInputs& in = Capture();
  if (!in.error.empty()) {
    state.SkipWithError(in.error.c_str());
    return;
  }
  std::string stream;
  for (const CapturedMessage& c : in.messages) stream += c.bytes;
  MemcpyReference(state, stream);
}
BENCHMARK(BM_PgoutputMemcpyCaptured);

}  // namespace
}  // namespace cdc::bench

BENCHMARK_MAIN();
