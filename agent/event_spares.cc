#include "agent/event_spares.h"

#include <cassert>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

namespace cdc::agent {
namespace {

constexpr size_t kMaxSources = EventSpares::kMaxSources;

template <typename T>
void MoveUpTo(std::vector<T>* from, std::vector<T>* to, size_t bound) {
  while (!from->empty() && to->size() < bound) {
    to->push_back(std::move(from->back()));
    from->pop_back();
  }
  from->clear();
}

template <typename T>
T* Pop(std::vector<std::unique_ptr<T>>* from) {
  if (from->empty()) return nullptr;
  T* out = from->back().release();
  from->pop_back();
  return out;
}

}  // namespace

namespace {

// A value holding more than these is cleared instead, its memory freed: a
// burst of large values must not stay allocated in kept events.
constexpr size_t kMaxKeptString = 1024;  // bytes of capacity
constexpr int kMaxKeptElements = 16;     // of an array or a set

// Empties `kept`, what `value` holds, or clears `value` whole (freeing
// it) when `too_big`.
template <typename T>
void EmptyOrFree(cdc::v1::Value* value, T* kept, bool too_big) {
  if (too_big) {
    value->Clear();
  } else if constexpr (std::is_same_v<T, std::string>) {
    kept->clear();
  } else {
    kept->Clear();
  }
}

void EmptyString(cdc::v1::Value* value, std::string* s) {
  EmptyOrFree(value, s, s->capacity() > kMaxKeptString);
}

}  // namespace

void EmptyValue(cdc::v1::Value* value) {
  using V = cdc::v1::Value;
  switch (value->kind_case()) {
    case V::kDecimalValue: EmptyString(value, value->mutable_decimal_value()); break;
    case V::kTextValue: EmptyString(value, value->mutable_text_value()); break;
    case V::kBytesValue: EmptyString(value, value->mutable_bytes_value()); break;
    case V::kJsonValue: EmptyString(value, value->mutable_json_value()); break;
    case V::kUuidValue: EmptyString(value, value->mutable_uuid_value()); break;
    case V::kInetValue: EmptyString(value, value->mutable_inet_value()); break;
    case V::kMacaddrValue: EmptyString(value, value->mutable_macaddr_value()); break;
    case V::kBitsValue: EmptyString(value, value->mutable_bits_value()); break;
    case V::kEnumValue: EmptyString(value, value->mutable_enum_value()); break;
    case V::kDateValue: value->mutable_date_value()->Clear(); break;
    case V::kTimeValue: value->mutable_time_value()->Clear(); break;
    case V::kTimestampValue: value->mutable_timestamp_value()->Clear(); break;
    case V::kIntervalValue: value->mutable_interval_value()->Clear(); break;
    case V::kSetValue:
      EmptyOrFree(value, value->mutable_set_value(),
                  value->set_value().labels_size() > kMaxKeptElements);
      break;
    case V::kArrayValue:
      EmptyOrFree(value, value->mutable_array_value(),
                  value->array_value().elements_size() > kMaxKeptElements);
      break;
    case V::kGeometryValue:
      EmptyOrFree(value, value->mutable_geometry_value(),
                  value->geometry_value().wkb().capacity() > kMaxKeptString);
      break;
    case V::kRawValue:
      EmptyOrFree(value, value->mutable_raw_value(),
                  value->raw_value().text().capacity() > kMaxKeptString);
      break;
    default: value->Clear(); break;  // no memory of its own, or rare (error_value)
  }
}

namespace {

// Whether a kept row's `value` may stay as it is for the next fill: a
// scalar (a number or a flag), which setting any case overwrites whole, or
// a decimal, text, bytes or JSON string of at most kMaxKeptString bytes of
// capacity, which the fillers assign whole (or switch the case).
bool StaysAsItIs(const cdc::v1::Value& value) {
  using V = cdc::v1::Value;
  switch (value.kind_case()) {
    case V::kNull:
    case V::kUnchanged:
    case V::kBoolValue:
    case V::kIntValue:
    case V::kUintValue:
    case V::kFloatValue:
    case V::kDoubleValue: return true;
    case V::kDecimalValue: return value.decimal_value().capacity() <= kMaxKeptString;
    case V::kTextValue: return value.text_value().capacity() <= kMaxKeptString;
    case V::kBytesValue: return value.bytes_value().capacity() <= kMaxKeptString;
    case V::kJsonValue: return value.json_value().capacity() <= kMaxKeptString;
    default: return false;
  }
}

void EmptyUnlessItStays(cdc::v1::Column* column) {
  if (column->has_value() && !StaysAsItIs(column->value())) EmptyValue(column->mutable_value());
}

// Whether every column of `columns` but those at `others` (ascending) holds
// no value or a scalar: what a shape's scalar_columns promise.
[[maybe_unused]] bool OnlyScalarsBut(const Columns& columns, const std::vector<uint32_t>& others) {
  size_t next = 0;
  for (int i = 0; i < columns.size(); ++i) {
    if (next < others.size() && others[next] == static_cast<uint32_t>(i)) {
      ++next;
      continue;
    }
    const cdc::v1::Column& column = columns[i];
    if (!column.has_value()) continue;
    const int c = column.value().kind_case();
    if (c < cdc::v1::Value::kNull || c > cdc::v1::Value::kDoubleValue) return false;
  }
  return true;
}

}  // namespace

void EventSpares::KeepValue(cdc::v1::Value* value) {
  std::unique_ptr<cdc::v1::Value> owned(value);
  if (values_.size() >= kMaxValues) return;
  EmptyValue(owned.get());
  values_.push_back(std::move(owned));
}

void EventSpares::KeepSource(cdc::v1::Source* source) {
  std::unique_ptr<cdc::v1::Source> owned(source);
  if (owned->has_mysql() && mysql_.size() < kMaxSources) {
    // Its file and GTID stay for the next fill, which sets them.
    mysql_.emplace_back(owned->release_mysql())->clear_pos();
  } else if (owned->has_postgres() && postgres_.size() < kMaxSources) {
    postgres_.emplace_back(owned->release_postgres())->Clear();
  }
  if (sources_.size() >= kMaxSources) return;
  // Every field but the strings the next fill sets (server_name, database,
  // schema, table); batch_queue_test checks each field of Source.
  owned->clear_kind();
  owned->clear_position();
  owned->clear_transaction_id();
  owned->clear_commit_time_us();
  owned->clear_event_index();
  owned->clear_snapshot();
  sources_.push_back(std::move(owned));
}

void EventSpares::Keep(cdc::v1::ChangeEvent* event, const TableShape* named_by) {
  for (Columns* columns : {event->mutable_before(), event->mutable_after()}) {
    if (columns->empty()) continue;
    if (column_rows_.size() < kMaxColumnRows && columns->size() <= kMaxRowColumns) {
      // The whole row, its columns' values emptied; the event gets an empty
      // row in its place. In a row named by its shape, the columns the
      // shape knows to hold scalars need no look.
      const bool named =
          named_by != nullptr && named_by->columns.size() == static_cast<size_t>(columns->size());
      const std::vector<uint32_t>* others =
          named ? named_by->scalar_columns.others() : nullptr;
      if (others != nullptr) {
        for (uint32_t i : *others) EmptyUnlessItStays(columns->Mutable(static_cast<int>(i)));
        assert(OnlyScalarsBut(*columns, *others));
      } else {
        for (cdc::v1::Column& column : *columns) EmptyUnlessItStays(&column);
      }
      std::unique_ptr<Columns> row;
      if (!holders_.empty()) {
        row = std::move(holders_.back());
        holders_.pop_back();
      } else {
        row = std::make_unique<Columns>();
      }
      row->Swap(columns);
      column_rows_.push_back({std::move(row), named ? named_by->serial.value() : 0});
      continue;
    }
    for (cdc::v1::Column& column : *columns) KeepValueOf(&column);
  }
  if (event->has_source()) KeepSource(event->release_source());
}

void EventSpares::KeepValueOf(cdc::v1::Column* column) {
  if (column->has_value()) KeepValue(column->release_value());
}

bool EventSpares::TakeColumns(Columns* columns, const TableShape* named_by, bool* named) {
  if (named != nullptr) *named = false;
  if (column_rows_.empty() || !columns->empty()) return false;
  if (named_by != nullptr) {
    const size_t n = column_rows_.size();
    for (size_t k = 0; k < kNamedLookback && k < n; ++k) {
      KeptRow& row = column_rows_[n - 1 - k];
      if (row.named_by != named_by->serial.value()) continue;
      if (k != 0) std::swap(row, column_rows_.back());
      if (named != nullptr) *named = true;
      break;
    }
  }
  KeptRow row = std::move(column_rows_.back());
  column_rows_.pop_back();
  row.columns->Swap(columns);
  // `row` now holds what `columns` held: nothing but cleared elements.
  if (holders_.size() < kMaxColumnRows) holders_.push_back(std::move(row.columns));
  return true;
}

void EventSpares::TakeFrom(EventSpares* other) {
  MoveUpTo(&other->column_rows_, &column_rows_, kMaxColumnRows);
  MoveUpTo(&other->holders_, &holders_, kMaxColumnRows);
  // Empty holders go back with the event, for the rows Keep takes from it
  // next (a holder left where TakeColumns swapped a row out).
  for (size_t i = 0; i < kHoldersPerEvent && !holders_.empty(); ++i) {
    other->holders_.push_back(std::move(holders_.back()));
    holders_.pop_back();
  }
  MoveUpTo(&other->values_, &values_, kMaxValues);
  MoveUpTo(&other->sources_, &sources_, kMaxSources);
  MoveUpTo(&other->mysql_, &mysql_, kMaxSources);
  MoveUpTo(&other->postgres_, &postgres_, kMaxSources);
}

cdc::v1::Value* EventSpares::ValueOf(cdc::v1::Column* column) {
  if (!column->has_value()) {
    if (cdc::v1::Value* kept = Pop(&values_)) column->set_allocated_value(kept);
  }
  return column->mutable_value();
}

cdc::v1::Source* EventSpares::SourceOf(cdc::v1::ChangeEvent* event) {
  if (!event->has_source()) {
    if (cdc::v1::Source* kept = Pop(&sources_)) event->set_allocated_source(kept);
  }
  return event->mutable_source();
}

cdc::v1::MysqlPosition* EventSpares::MysqlOf(cdc::v1::Source* source) {
  if (!source->has_mysql()) {
    if (cdc::v1::MysqlPosition* kept = Pop(&mysql_)) source->set_allocated_mysql(kept);
  }
  return source->mutable_mysql();
}

cdc::v1::PostgresPosition* EventSpares::PostgresOf(cdc::v1::Source* source) {
  if (!source->has_postgres()) {
    if (cdc::v1::PostgresPosition* kept = Pop(&postgres_)) source->set_allocated_postgres(kept);
  }
  return source->mutable_postgres();
}

ColumnFill::ColumnFill(Columns* columns, EventSpares* spares, const TableShape* names)
    : columns_(columns), spares_(spares) {
  if (spares_ == nullptr || !spares_->TakeColumns(columns_, names, &named_)) {
    used_ = columns_->size();
  }
}

cdc::v1::Value* ColumnFill::NextToName(const std::string& name, const std::string& type) {
  cdc::v1::Column* column = used_ < columns_->size() ? columns_->Mutable(used_) : columns_->Add();
  ++used_;
  if (!SameText(column->name(), name)) column->set_name(name);
  if (!SameText(column->type(), type)) column->set_type(type);
  return spares_ != nullptr ? spares_->ValueOf(column) : column->mutable_value();
}

void ColumnFill::Done() {
  if (done_) return;
  done_ = true;
  while (columns_->size() > used_) {
    if (spares_ != nullptr) spares_->KeepValueOf(columns_->Mutable(columns_->size() - 1));
    columns_->RemoveLast();
  }
}

}  // namespace cdc::agent
