#include "agent/mysql/row_event_builder.h"

#include "agent/row_key.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace cdc::agent::mysql {

namespace {

using Columns = google::protobuf::RepeatedPtrField<cdc::v1::Column>;

// The decoded values move into the columns; the image gets the columns'
// (cleared) values back for its next row.
void ImageToColumns(const binlog::TableSchema& schema, binlog::RowImage& image, Columns* out,
                    EventSpares* spares) {
  ColumnFill fill(out, spares);
  for (size_t i = 0; i < schema.columns.size() && i < image.values.size(); ++i) {
    if (i < image.present.size() && !image.present[i]) continue;
    fill.Next(schema.columns[i].name, schema.columns[i].type_name)->Swap(&image.values[i]);
  }
}

bool KeyFrom(const binlog::TableSchema& schema, const Columns& row, cdc::v1::RowKey* key) {
  key->Clear();
  if (schema.primary_key.empty()) return false;
  for (uint32_t idx : schema.primary_key) {
    if (idx >= schema.columns.size()) return false;
    const std::string& name = schema.columns[idx].name;
    const cdc::v1::Column* found = nullptr;
    if (idx < static_cast<size_t>(row.size()) && row[static_cast<int>(idx)].name() == name) {
      found = &row[static_cast<int>(idx)];  // a whole image: the column at its place
    } else {
      for (const auto& c : row) {
        if (c.name() == name) {
          found = &c;
          break;
        }
      }
    }
    if (found == nullptr || found->value().kind_case() == cdc::v1::Value::kNull) {
      key->Clear();
      return false;
    }
    AddKeyColumn(*found, key);
  }
  return true;
}

}  // namespace

int64_t CommitTimeUs(const binlog::MysqlGtid& gtid, const binlog::EventHeader& header) {
  uint64_t us = gtid.original_commit_timestamp_us != 0 ? gtid.original_commit_timestamp_us
                                                       : gtid.immediate_commit_timestamp_us;
  if (us == 0 || us > static_cast<uint64_t>(INT64_MAX)) {
    us = static_cast<uint64_t>(header.timestamp) * 1000000;
  }
  return static_cast<int64_t>(us);
}

int64_t CommitTimeUs(const binlog::MariaGtid& /*gtid*/, const binlog::EventHeader& header) {
  return static_cast<int64_t>(header.timestamp) * 1000000;
}

cdc::v1::SourceKind KindOf(const binlog::FormatDescription& format) {
  return format.mariadb() ? cdc::v1::SOURCE_KIND_MARIADB : cdc::v1::SOURCE_KIND_MYSQL;
}

DebeziumTableInfo DebeziumTableOf(const binlog::TableSchema& schema) {
  DebeziumTableInfo table;
  table.columns.reserve(schema.columns.size());
  for (const binlog::ColumnSchema& c : schema.columns) {
    DebeziumColumnInfo& info = table.columns.emplace_back();
    info.name = c.name;
    info.type = c.type_name;
    info.allowed = !c.enum_values.empty() ? c.enum_values : c.set_values;
    info.optional = c.nullable;
  }
  for (uint32_t index : schema.primary_key) {
    if (index < table.columns.size()) table.columns[index].optional = false;
  }
  return table;
}

namespace {

// The key's column indexes; none when the key names a column the schema
// lacks (KeyFrom then finds no key either).
std::vector<size_t> KeyIndexes(const binlog::TableSchema& schema) {
  std::vector<size_t> key;
  for (uint32_t idx : schema.primary_key) {
    if (idx >= schema.columns.size()) return {};
    key.push_back(idx);
  }
  return key;
}

// The columns whose values the binlog row decoder sets to a scalar and
// nothing else (binlog/rows.h): integers, YEAR, FLOAT and DOUBLE (or null).
std::vector<bool> ScalarColumnsOf(const binlog::TableSchema& schema) {
  std::vector<bool> scalar;
  scalar.reserve(schema.columns.size());
  for (const binlog::ColumnSchema& c : schema.columns) {
    switch (c.type) {
      case binlog::kTypeTiny:
      case binlog::kTypeShort:
      case binlog::kTypeInt24:
      case binlog::kTypeLong:
      case binlog::kTypeLongLong:
      case binlog::kTypeYear:
      case binlog::kTypeFloat:
      case binlog::kTypeDouble: scalar.push_back(true); break;
      default: scalar.push_back(false); break;
    }
  }
  return scalar;
}

}  // namespace

TableShapePtr ShapeOf(const binlog::TableSchema& schema, cdc::v1::SourceKind kind) {
  auto shape = std::make_shared<TableShape>();
  shape->kind = kind;
  shape->schema = schema.schema;
  shape->table = schema.table;
  shape->columns.reserve(schema.columns.size());
  for (const binlog::ColumnSchema& c : schema.columns) shape->columns.push_back({c.name, c.type_name});
  shape->key = KeyIndexes(schema);
  shape->scalar_columns.Set(ScalarColumnsOf(schema));
  return shape;
}

bool ShapeMatches(const TableShape& shape, const binlog::TableSchema& schema) {
  if (shape.schema != schema.schema || shape.table != schema.table ||
      shape.columns.size() != schema.columns.size()) {
    return false;
  }
  for (size_t i = 0; i < shape.columns.size(); ++i) {
    if (shape.columns[i].name != schema.columns[i].name ||
        shape.columns[i].type != schema.columns[i].type_name) {
      return false;
    }
  }
  return shape.key == KeyIndexes(schema) && shape.scalar_columns.Are(ScalarColumnsOf(schema));
}

const TableShapePtr& KeepShape(const binlog::TableSchema& schema, cdc::v1::SourceKind kind,
                               TableShapePtr* known) {
  if (*known == nullptr || !ShapeMatches(**known, schema)) *known = ShapeOf(schema, kind);
  return *known;
}

void FillSource(const RowContext& ctx, const std::string& database, const std::string& table,
                cdc::v1::Source* src, EventSpares* spares) {
  // A kept block holds the strings of the event before: most often these.
  src->set_kind(ctx.kind);
  if (!SameText(src->server_name(), ctx.server_name)) src->set_server_name(ctx.server_name);
  if (!SameText(src->database(), database)) src->set_database(database);
  if (!SameText(src->schema(), database)) src->set_schema(database);
  if (!SameText(src->table(), table)) src->set_table(table);
  cdc::v1::MysqlPosition* pos = spares != nullptr ? spares->MysqlOf(src) : src->mutable_mysql();
  if (!SameText(pos->file(), ctx.file)) pos->set_file(ctx.file);
  pos->set_pos(ctx.pos);
  if (!SameText(pos->gtid(), ctx.gtid)) pos->set_gtid(ctx.gtid);
  src->set_commit_time_us(ctx.commit_time_us);
  src->set_event_index(ctx.event_index);
}

namespace {

// Clears `out` and sets what a row change of `kind` at `ctx` has beside its
// images: the op, the source block and the key's column names.
void StartRowEvent(const binlog::TableSchema& schema, binlog::RowsKind kind,
                   const RowContext& ctx, cdc::v1::ChangeEvent* out, EventSpares* spares) {
  out->Clear();
  switch (kind) {
    case binlog::RowsKind::kWrite: out->set_op(cdc::v1::OP_INSERT); break;
    case binlog::RowsKind::kDelete: out->set_op(cdc::v1::OP_DELETE); break;
    case binlog::RowsKind::kUpdate:
    case binlog::RowsKind::kPartialUpdate: out->set_op(cdc::v1::OP_UPDATE); break;
  }
  FillSource(ctx, schema.schema, schema.table,
             spares != nullptr ? spares->SourceOf(out) : out->mutable_source(), spares);
  for (uint32_t idx : schema.primary_key) {
    if (idx < schema.columns.size()) out->add_key_columns(schema.columns[idx].name);
  }
}

// The decoder's values land in the columns of the event `next_event` gives.
class EventTarget final : public binlog::RowTarget {
 public:
  EventTarget(const binlog::TableSchema& schema, const TableShape* names, binlog::RowsKind kind,
              const RowContext& ctx, EventSpares* spares,
              const std::function<cdc::v1::ChangeEvent*()>& next_event,
              const std::function<Status(cdc::v1::ChangeEvent*)>& on_event)
      : schema_(schema),
        names_(names),
        kind_(kind),
        ctx_(ctx),
        spares_(spares),
        next_event_(next_event),
        on_event_(on_event) {}

  void BeginRow() override {
    event_ = next_event_();
    StartRowEvent(schema_, kind_, ctx_, event_, spares_);
  }

  void BeginImage(bool after, const std::vector<uint32_t>& present,
                  cdc::v1::Value** slots) override {
    // A whole image fills the columns of `names_` in its order.
    ColumnFill fill(after ? event_->mutable_after() : event_->mutable_before(), spares_,
                    present.size() == schema_.columns.size() ? names_ : nullptr);
    for (size_t k = 0; k < present.size(); ++k) {
      const binlog::ColumnSchema& c = schema_.columns[present[k]];
      slots[k] = fill.Next(c.name, c.type_name);
    }
  }

  Status EndRow() override { return on_event_(event_); }

 private:
  const binlog::TableSchema& schema_;
  const TableShape* const names_;
  const binlog::RowsKind kind_;
  const RowContext& ctx_;
  EventSpares* const spares_;
  const std::function<cdc::v1::ChangeEvent*()>& next_event_;
  const std::function<Status(cdc::v1::ChangeEvent*)>& on_event_;
  cdc::v1::ChangeEvent* event_ = nullptr;
};

}  // namespace

bool RowKeyOf(const binlog::TableSchema& schema, const cdc::v1::ChangeEvent& event,
              cdc::v1::RowKey* key) {
  const bool is_delete = event.op() == cdc::v1::OP_DELETE;
  if (KeyFrom(schema, is_delete ? event.before() : event.after(), key)) return true;
  // A minimal after image may omit an unchanged key: take it from before.
  return !is_delete && KeyFrom(schema, event.before(), key);
}

bool BuildRowEvent(const binlog::TableSchema& schema, binlog::RowsKind kind,
                   binlog::RowChange& change, const RowContext& ctx, cdc::v1::ChangeEvent* out,
                   cdc::v1::RowKey* key, EventSpares* spares) {
  StartRowEvent(schema, kind, ctx, out, spares);
  if (kind != binlog::RowsKind::kWrite) ImageToColumns(schema, change.before, out->mutable_before(), spares);
  if (kind != binlog::RowsKind::kDelete) ImageToColumns(schema, change.after, out->mutable_after(), spares);
  return key != nullptr && RowKeyOf(schema, *out, key);
}

Status DecodeRowEvents(const binlog::RowsEvent& rows, const binlog::TableSchema& schema,
                       const TableShape* names, const RowContext& ctx, EventSpares* spares,
                       const std::function<cdc::v1::ChangeEvent*()>& next_event,
                       const std::function<Status(cdc::v1::ChangeEvent*)>& on_event) {
  EventTarget target(schema, names, rows.kind, ctx, spares, next_event, on_event);
  return binlog::DecodeRows(rows, schema, &target);
}

namespace {

// True when `a` and `b` are the same value of a case compared here (the
// cases keys mostly have); false when they differ or the case is another.
bool SurelySameValue(const cdc::v1::Value& a, const cdc::v1::Value& b) {
  using V = cdc::v1::Value;
  if (a.kind_case() != b.kind_case()) return false;
  switch (a.kind_case()) {
    case V::kIntValue: return a.int_value() == b.int_value();
    case V::kUintValue: return a.uint_value() == b.uint_value();
    case V::kTextValue: return a.text_value() == b.text_value();
    case V::kBytesValue: return a.bytes_value() == b.bytes_value();
    case V::kDecimalValue: return a.decimal_value() == b.decimal_value();
    case V::kUuidValue: return a.uuid_value() == b.uuid_value();
    case V::kEnumValue: return a.enum_value() == b.enum_value();
    default: return false;
  }
}

// True when both images are whole and every key column has the same value
// in both: the update keeps its key (most do), no key need be built.
bool KeySurelyKept(const binlog::TableSchema& schema, const cdc::v1::ChangeEvent& update) {
  const size_t n = schema.columns.size();
  if (schema.primary_key.empty() || static_cast<size_t>(update.before_size()) != n ||
      static_cast<size_t>(update.after_size()) != n) {
    return false;
  }
  for (uint32_t idx : schema.primary_key) {
    if (idx >= n) return false;
    const cdc::v1::Column& before = update.before(static_cast<int>(idx));
    const cdc::v1::Column& after = update.after(static_cast<int>(idx));
    if (before.name() != schema.columns[idx].name || after.name() != before.name() ||
        !SurelySameValue(before.value(), after.value())) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool SplitKeyChange(const binlog::TableSchema& schema, cdc::v1::ChangeEvent* update,
                    cdc::v1::RowKey* key, cdc::v1::ChangeEvent* insert,
                    cdc::v1::RowKey* insert_key) {
  if (update->op() != cdc::v1::OP_UPDATE ||
      static_cast<size_t>(update->after_size()) != schema.columns.size() ||
      KeySurelyKept(schema, *update)) {
    return false;
  }
  cdc::v1::RowKey old_key;
  if (!KeyFrom(schema, update->before(), &old_key) || !KeyFrom(schema, update->after(), key) ||
      old_key.SerializeAsString() == key->SerializeAsString()) {
    return false;
  }
  insert->Clear();
  insert->set_op(cdc::v1::OP_INSERT);
  *insert->mutable_source() = update->source();
  *insert->mutable_key_columns() = update->key_columns();
  insert->mutable_after()->Swap(update->mutable_after());
  insert_key->Swap(key);
  update->set_op(cdc::v1::OP_DELETE);
  key->Swap(&old_key);
  return true;
}

}  // namespace cdc::agent::mysql
