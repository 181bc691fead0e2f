// Row changes: pgoutput Insert, Update, Delete and Truncate into events.
#include "agent/postgres/postgres_source.h"

#include <algorithm>

namespace cdc::agent::postgres {

namespace {

using Columns = google::protobuf::RepeatedPtrField<cdc::v1::Column>;

// An UPDATE's new row omits TOASTed values it did not change; when the old
// row (REPLICA IDENTITY FULL) carried them, the new row gets them too.
void FillUnchangedFromBefore(const Columns& before, Columns* after) {
  for (auto& col : *after) {
    if (col.value().kind_case() != cdc::v1::Value::kUnchanged) continue;
    for (const auto& old : before) {
      if (old.name() == col.name()) {
        if (old.value().kind_case() != cdc::v1::Value::kUnchanged) *col.mutable_value() = old.value();
        break;
      }
    }
  }
}

}  // namespace

Status PostgresSource::HandleRow(const pgoutput::Message& msg, uint64_t lsn) {
  uint32_t oid = 0;
  if (auto* i = std::get_if<pgoutput::Insert>(&msg)) oid = i->relation_oid;
  if (auto* u = std::get_if<pgoutput::Update>(&msg)) oid = u->relation_oid;
  if (auto* d = std::get_if<pgoutput::Delete>(&msg)) oid = d->relation_oid;
  auto it = relations_.find(oid);
  if (it == relations_.end()) {
    return Status::Corruption(Endpoint() + ": row change for relation oid " + std::to_string(oid) +
                              " at " + offsets::FormatLsn(lsn) + " before its Relation message");
  }
  const RelationInfo& rel = it->second;
  if (!rel.included) return Status::OK();

  // The scratch rows swap with the event's (recycled) ones: their cleared
  // columns are filled again by the next row.
  Columns& before = scratch_before_;
  Columns& after = scratch_after_;
  before.Clear();
  after.Clear();
  if (auto* ins = std::get_if<pgoutput::Insert>(&msg)) {
    CDC_RETURN_IF_ERROR(TupleToColumns(rel, types_, ins->new_tuple, false, &after, &spares_));
    NewEvent(rel, cdc::v1::OP_INSERT, lsn).mutable_after()->Swap(&after);
    return Status::OK();
  }
  if (auto* del = std::get_if<pgoutput::Delete>(&msg)) {
    CDC_RETURN_IF_ERROR(TupleToColumns(rel, types_, del->old_tuple, del->old_kind == 'K', &before, &spares_));
    NewEvent(rel, cdc::v1::OP_DELETE, lsn).mutable_before()->Swap(&before);
    return Status::OK();
  }
  const auto& upd = std::get<pgoutput::Update>(msg);
  CDC_RETURN_IF_ERROR(TupleToColumns(rel, types_, upd.new_tuple, false, &after, &spares_));
  if (upd.old_kind != '\0') {
    CDC_RETURN_IF_ERROR(TupleToColumns(rel, types_, upd.old_tuple, upd.old_kind == 'K', &before, &spares_));
    FillUnchangedFromBefore(before, &after);
  }
  if (!before.empty()) {
    // Split only when the new row is complete: an INSERT with an unchanged
    // value would leave a compacted topic without that value for good.
    bool after_complete = std::none_of(after.begin(), after.end(), [](const cdc::v1::Column& c) {
      return c.value().kind_case() == cdc::v1::Value::kUnchanged;
    });
    cdc::v1::RowKey key;
    cdc::v1::RowKey old_key;
    if (after_complete && BuildKey(rel, after, &key) && BuildKey(rel, before, &old_key) &&
        key.SerializeAsString() != old_key.SerializeAsString()) {
      // The primary key changed: the row left one key and arrived at
      // another, so a compacted topic must see a delete of the old key and
      // an insert.
      NewEvent(rel, cdc::v1::OP_DELETE, lsn).mutable_before()->Swap(&before);
      NewEvent(rel, cdc::v1::OP_INSERT, lsn).mutable_after()->Swap(&after);
      return Status::OK();
    }
  }
  cdc::v1::ChangeEvent& e = NewEvent(rel, cdc::v1::OP_UPDATE, lsn);
  e.mutable_before()->Swap(&before);
  e.mutable_after()->Swap(&after);
  return Status::OK();
}

Status PostgresSource::HandleTruncate(const pgoutput::Truncate& msg, uint64_t lsn) {
  for (uint32_t oid : msg.relation_oids) {
    auto it = relations_.find(oid);
    if (it == relations_.end()) {
      return Status::Corruption(Endpoint() + ": TRUNCATE of relation oid " + std::to_string(oid) +
                                " at " + offsets::FormatLsn(lsn) + " before its Relation message");
    }
    if (!it->second.included) continue;
    NewEvent(it->second, cdc::v1::OP_TRUNCATE, lsn);
  }
  return Status::OK();
}

}  // namespace cdc::agent::postgres
