#include "agent/aggregate.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "agent/row_key.h"
#include "agent/transform/expr_decimal.h"

namespace cdc::agent {

namespace {

using transform::AggregateMeasure;
using transform::internal::Dec;

constexpr char kRowTag = 'r';
// The columns of a window's row before its group_by columns.
constexpr int kWindowColumns = 2;
// The columns of a stored window before its row: __schema, __table, __spec.
constexpr int kStoredColumns = 3;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::string Iso(int64_t us) {
  const time_t secs = static_cast<time_t>(FloorDiv(us, 1000000));
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

void SetTimestamp(cdc::v1::Column* c, const char* name, int64_t us) {
  c->set_name(name);
  c->set_type("timestamptz");
  cdc::v1::Timestamp* t = c->mutable_value()->mutable_timestamp_value();
  t->set_epoch_micros(us);
  t->set_precision(6);
  t->set_with_time_zone(true);
}

// The group's part of a window's name: each group_by value's text,
// length-prefixed ("t5:Paris"); "n" for NULL, "-" for a value the event
// lacks, and the hex of the value's encoding for one without text (a date).
void AppendGroupPart(const cdc::v1::Column* c, std::string* out) {
  if (c == nullptr) {
    out->append("-");
    return;
  }
  const cdc::v1::Value& v = c->value();
  if (v.kind_case() == cdc::v1::Value::kNull) {
    out->append("n");
    return;
  }
  std::string text;
  if (transform::ValueText(v, &text)) {
    out->append("t" + std::to_string(text.size()) + ":" + text);
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string bytes = v.SerializeAsString();
  out->append("b" + std::to_string(bytes.size() * 2) + ":");
  for (unsigned char b : bytes) {
    out->push_back(kHex[b >> 4]);
    out->push_back(kHex[b & 15]);
  }
}

bool DecOf(const cdc::v1::Value& v, Dec* out) {
  switch (v.kind_case()) {
    case cdc::v1::Value::kIntValue: *out = transform::internal::DecFromInt(v.int_value()); return true;
    case cdc::v1::Value::kUintValue:
      return transform::internal::ParseDec(std::to_string(v.uint_value()), out);
    case cdc::v1::Value::kDecimalValue: return transform::internal::ParseDec(v.decimal_value(), out);
    default: return false;
  }
}

bool IsFloat(const cdc::v1::Value& v) {
  return v.kind_case() == cdc::v1::Value::kDoubleValue ||
         v.kind_case() == cdc::v1::Value::kFloatValue;
}

double DoubleOf(const cdc::v1::Value& v) {
  switch (v.kind_case()) {
    case cdc::v1::Value::kDoubleValue: return v.double_value();
    case cdc::v1::Value::kFloatValue: return v.float_value();
    case cdc::v1::Value::kIntValue: return static_cast<double>(v.int_value());
    case cdc::v1::Value::kUintValue: return static_cast<double>(v.uint_value());
    case cdc::v1::Value::kDecimalValue: return std::strtod(v.decimal_value().c_str(), nullptr);
    default: return 0;
  }
}

bool IsNumber(const cdc::v1::Value& v) {
  switch (v.kind_case()) {
    case cdc::v1::Value::kIntValue:
    case cdc::v1::Value::kUintValue:
    case cdc::v1::Value::kDecimalValue:
    case cdc::v1::Value::kDoubleValue:
    case cdc::v1::Value::kFloatValue: return true;
    default: return false;
  }
}

// Adds `v` to the sum `acc` (NULL: none yet): integers stay integers while
// they fit, decimals are exact, a float makes the sum a double.
Status AddToSum(cdc::v1::Value* acc, const cdc::v1::Value& v) {
  if (!IsNumber(v)) return Status::InvalidArgument("sum: not a number");
  if (acc->kind_case() == cdc::v1::Value::kNull || acc->kind_case() == cdc::v1::Value::KIND_NOT_SET) {
    if (v.kind_case() == cdc::v1::Value::kFloatValue) {
      acc->set_double_value(v.float_value());
    } else {
      *acc = v;
    }
    return Status::OK();
  }
  if (IsFloat(*acc) || IsFloat(v)) {
    acc->set_double_value(DoubleOf(*acc) + DoubleOf(v));
    return Status::OK();
  }
  if (acc->kind_case() == cdc::v1::Value::kIntValue && v.kind_case() == cdc::v1::Value::kIntValue) {
    int64_t sum = 0;
    if (!__builtin_add_overflow(acc->int_value(), v.int_value(), &sum)) {
      acc->set_int_value(sum);
      return Status::OK();
    }
  }
  Dec a, b, sum;
  if (!DecOf(*acc, &a) || !DecOf(v, &b)) {
    return Status::InvalidArgument("sum: cannot add " +
                                   (v.kind_case() == cdc::v1::Value::kDecimalValue
                                        ? v.decimal_value()
                                        : std::string("this value")) +
                                   " exactly");
  }
  if (!transform::internal::DecAdd(a, b, &sum)) {
    return Status::InvalidArgument("sum: the result needs more than 38 digits");
  }
  std::string text;
  transform::internal::AppendDec(sum, &text);
  acc->set_decimal_value(text);
  return Status::OK();
}

// <0, 0, >0 as `a` orders before, with or after `b`; false for values that
// do not order (other kinds, or kinds that do not compare).
bool Compare(const cdc::v1::Value& a, const cdc::v1::Value& b, int* out) {
  if (IsNumber(a) && IsNumber(b)) {
    if (a.kind_case() == cdc::v1::Value::kIntValue && b.kind_case() == cdc::v1::Value::kIntValue) {
      *out = a.int_value() < b.int_value() ? -1 : a.int_value() > b.int_value() ? 1 : 0;
      return true;
    }
    if (IsFloat(a) || IsFloat(b)) {
      const double x = DoubleOf(a), y = DoubleOf(b);
      *out = x < y ? -1 : x > y ? 1 : 0;
      return true;
    }
    std::string x, y;
    transform::ValueText(a, &x);
    transform::ValueText(b, &y);
    return transform::internal::CompareDecimalText(x, y, out);
  }
  if (a.kind_case() != b.kind_case()) return false;
  switch (a.kind_case()) {
    case cdc::v1::Value::kUuidValue:
    case cdc::v1::Value::kInetValue:
    case cdc::v1::Value::kMacaddrValue:
    case cdc::v1::Value::kEnumValue:
    case cdc::v1::Value::kJsonValue:
    case cdc::v1::Value::kBitsValue:
    case cdc::v1::Value::kBytesValue: {
      std::string x, y;
      transform::ValueText(a, &x);
      transform::ValueText(b, &y);
      *out = x.compare(y);
      return true;
    }
    case cdc::v1::Value::kTextValue:
      *out = a.text_value().compare(b.text_value());
      return true;
    case cdc::v1::Value::kTimestampValue: {
      const int64_t x = a.timestamp_value().epoch_micros(), y = b.timestamp_value().epoch_micros();
      *out = x < y ? -1 : x > y ? 1 : 0;
      return true;
    }
    case cdc::v1::Value::kDateValue: {
      const auto& x = a.date_value();
      const auto& y = b.date_value();
      const int64_t p = (static_cast<int64_t>(x.year()) * 13 + x.month()) * 32 + x.day();
      const int64_t q = (static_cast<int64_t>(y.year()) * 13 + y.month()) * 32 + y.day();
      *out = p < q ? -1 : p > q ? 1 : 0;
      return true;
    }
    default: return false;
  }
}

// What a window's row depends on: a window kept by an aggregate whose
// tables, window, group_by or measures have changed since is dropped.
std::string Fingerprint(const transform::TransformSpec& spec) {
  std::string out = std::to_string(spec.window_ms) + ";";
  for (const std::string& t : spec.tables) out += t + ",";
  out += ";";
  for (const std::string& g : spec.group_by) out += g + ",";
  out += ";";
  for (const AggregateMeasure& m : spec.measures) {
    out += m.name + "=" + std::to_string(static_cast<int>(m.fn)) + "(" + m.column + "),";
  }
  return out;
}

}  // namespace

bool Aggregator::Needed(const std::vector<transform::TransformSpec>& specs) {
  return std::any_of(specs.begin(), specs.end(), [](const transform::TransformSpec& s) {
    return s.kind == transform::TransformSpec::Kind::kAggregate;
  });
}

Aggregator::Aggregator(const std::vector<transform::TransformSpec>& specs,
                       offsets::OffsetStore* store, std::string source, StateJournal* journal)
    : store_(store), source_(std::move(source)), journal_(journal) {
  for (const transform::TransformSpec& s : specs) {
    if (s.kind == transform::TransformSpec::Kind::kAggregate) specs_.push_back(s);
  }
}

Status Aggregator::Load() {
  if (loaded_) return Status::OK();
  loaded_ = true;
  CDC_ASSIGN_OR_RETURN(std::optional<std::string> watermark,
                       store_->GetState(source_, kWatermark));
  if (watermark) {
    int64_t w = 0;
    std::from_chars(watermark->data(), watermark->data() + watermark->size(), w);
    watermark_ = staged_watermark_ = w;
  }
  CDC_ASSIGN_OR_RETURN(std::vector<std::string> names, store_->ListStates(source_, kPrefix));
  for (const std::string& name : names) {
    CDC_ASSIGN_OR_RETURN(std::optional<std::string> value, store_->GetState(source_, name));
    if (!value) continue;
    Status s = Restore(name, *value);
    if (s.IsNotFound()) {
      stale_.push_back(name);
      continue;
    }
    CDC_RETURN_IF_ERROR(s);
  }
  if (!stale_.empty()) {
    spdlog::default_logger()->warn(
        "transforms: dropping {} open aggregate window(s) of aggregates that are no longer in "
        "the config, or have changed",
        stale_.size());
  }
  return Status::OK();
}

Status Aggregator::Restore(const std::string& name, const std::string& value) {
  const size_t label_end = name.find('/', kPrefix.size());
  const std::string label = name.substr(kPrefix.size(), label_end - kPrefix.size());
  auto spec = std::find_if(specs_.begin(), specs_.end(),
                           [&](const transform::TransformSpec& s) { return s.label == label; });
  if (spec == specs_.end()) return Status::NotFound(label);
  cdc::v1::Row stored;
  if (value.empty() || value[0] != kRowTag ||
      !stored.ParseFromArray(value.data() + 1, static_cast<int>(value.size() - 1)) ||
      stored.columns_size() < kStoredColumns + kWindowColumns) {
    return Status::Corruption("aggregate window " + name + " in offsets.path is damaged; run " +
                              "`cdc-agent offsets reset --yes` for a new snapshot");
  }
  const int expected_columns = kStoredColumns + kWindowColumns +
                               static_cast<int>(spec->group_by.size() + spec->measures.size());
  if (stored.columns(2).value().text_value() != Fingerprint(*spec) ||
      stored.columns_size() != expected_columns) {
    return Status::NotFound(label);
  }
  Window w;
  w.spec = &*spec;
  w.schema = stored.columns(0).value().text_value();
  w.table = stored.columns(1).value().text_value();
  stored.mutable_columns()->DeleteSubrange(0, kStoredColumns);
  w.start_us = stored.columns(0).value().timestamp_value().epoch_micros();
  w.row = std::move(stored);
  windows_[name] = std::move(w);
  return Status::OK();
}

std::string Aggregator::StateValue(const Window& w) const {
  cdc::v1::Row stored;
  auto* schema = stored.add_columns();
  schema->set_name("__schema");
  schema->mutable_value()->set_text_value(w.schema);
  auto* table = stored.add_columns();
  table->set_name("__table");
  table->mutable_value()->set_text_value(w.table);
  auto* spec = stored.add_columns();
  spec->set_name("__spec");
  spec->mutable_value()->set_text_value(Fingerprint(*w.spec));
  for (const cdc::v1::Column& c : w.row.columns()) *stored.add_columns() = c;
  std::string value(1, kRowTag);
  stored.AppendToString(&value);
  return value;
}

Status Aggregator::AddToWindow(const transform::AggregateInput& in) {
  auto spec = std::find_if(specs_.begin(), specs_.end(),
                           [&](const transform::TransformSpec& s) { return s.label == *in.label; });
  if (spec == specs_.end()) return Status::InvalidArgument(*in.label + ": no such aggregate");
  const int64_t window_us = spec->window_ms * 1000;
  const int64_t start = FloorDiv(in.commit_us, window_us) * window_us;
  const std::string table = in.table->schema + "." + in.table->table;
  if (start + window_us + spec->grace_ms * 1000 <= watermark_) {
    ++late_;
    if (late_logged_ < late_ / 10000 + 1) {
      late_logged_ = late_ / 10000 + 1;
      spdlog::default_logger()->warn(
          "transforms: {} on {}: an event committed at {} came after its window closed (the "
          "source's commit times had reached {}); it is not counted (so far {} such events; a "
          "longer grace waits for them)",
          *in.label, table, Iso(in.commit_us), Iso(watermark_), late_);
    }
    return Status::OK();
  }
  key_.assign(kPrefix);
  key_ += *in.label;
  key_ += '/';
  key_ += table;
  key_ += '/';
  key_ += std::to_string(start);
  key_ += '/';
  for (const cdc::v1::Column* c : in.group) AppendGroupPart(c, &key_);
  auto it = windows_.find(key_);
  if (it == windows_.end()) {
    Window w;
    w.spec = &*spec;
    w.schema = in.table->schema;
    w.table = in.table->table;
    w.start_us = start;
    SetTimestamp(w.row.add_columns(), "window_start", start);
    SetTimestamp(w.row.add_columns(), "window_end", start + window_us);
    for (size_t g = 0; g < in.group.size(); ++g) {
      cdc::v1::Column* c = w.row.add_columns();
      if (in.group[g] != nullptr) {
        *c = *in.group[g];
      } else {
        c->set_name(spec->group_by[g]);
        c->mutable_value()->set_null(true);
      }
    }
    for (size_t m = 0; m < spec->measures.size(); ++m) {
      cdc::v1::Column* c = w.row.add_columns();
      c->set_name(spec->measures[m].name);
      if (spec->measures[m].fn == AggregateMeasure::Fn::kCount) {
        c->set_type("int8");
        c->mutable_value()->set_int_value(0);
      } else {
        c->mutable_value()->set_null(true);
      }
    }
    it = windows_.emplace(key_, std::move(w)).first;
  }
  Window& w = it->second;
  const int first = kWindowColumns + static_cast<int>(in.group.size());
  for (size_t m = 0; m < spec->measures.size(); ++m) {
    cdc::v1::Column* acc = w.row.mutable_columns(first + static_cast<int>(m));
    const AggregateMeasure& measure = spec->measures[m];
    if (measure.fn == AggregateMeasure::Fn::kCount) {
      acc->mutable_value()->set_int_value(acc->value().int_value() + 1);
      continue;
    }
    const cdc::v1::Column* c = in.measures[m];
    if (c == nullptr || c->value().kind_case() == cdc::v1::Value::kNull ||
        c->value().kind_case() == cdc::v1::Value::kUnchanged) {
      continue;  // as in SQL, NULL is not measured (nor a value the event lacks)
    }
    Status s;
    if (measure.fn == AggregateMeasure::Fn::kSum) {
      s = AddToSum(acc->mutable_value(), c->value());
      if (s.ok()) {
        acc->set_type(acc->value().kind_case() == cdc::v1::Value::kIntValue      ? "int8"
                      : acc->value().kind_case() == cdc::v1::Value::kDoubleValue ? "float8"
                                                                                 : "numeric");
      }
    } else if (acc->value().kind_case() == cdc::v1::Value::kNull) {
      *acc->mutable_value() = c->value();
      acc->set_type(c->type());
    } else {
      int order = 0;
      if (!Compare(c->value(), acc->value(), &order)) {
        s = Status::InvalidArgument("cannot order the values of '" + measure.column + "'");
      } else if (measure.fn == AggregateMeasure::Fn::kMin ? order < 0 : order > 0) {
        *acc->mutable_value() = c->value();
      }
    }
    if (!s.ok()) {
      return Status::InvalidArgument(*in.label + " on " + table + ": measures." + measure.name +
                                     ": " + s.message());
    }
  }
  dirty_.insert(key_);
  return Status::OK();
}

void Aggregator::EndBatch(const cdc::v1::Source& source, EventList* out,
                          std::vector<std::pair<std::string, std::string>>* states) {
  for (std::string& name : stale_) journal_->Stage(std::move(name), std::nullopt, states);
  stale_.clear();
  std::vector<std::pair<int64_t, std::string>> closing;
  for (const auto& [name, w] : windows_) {
    if (w.start_us + w.spec->window_ms * 1000 + w.spec->grace_ms * 1000 <= watermark_) {
      closing.emplace_back(w.start_us, name);
    }
  }
  std::sort(closing.begin(), closing.end());
  for (const auto& [start, name] : closing) {
    auto it = windows_.find(name);
    Window& w = it->second;
    OutEvent e;
    e.topic = w.spec->aggregate_topic;
    e.event.set_op(cdc::v1::OP_INSERT);
    *e.event.mutable_source() = source;
    e.event.mutable_source()->set_schema(w.schema);
    e.event.mutable_source()->set_table(w.table);
    e.event.mutable_source()->set_commit_time_us(w.start_us + w.spec->window_ms * 1000);
    // The key: the table (one aggregate may count several), window_start
    // (window_end follows from it) and the group_by columns.
    cdc::v1::Column table;
    table.set_name("__table");
    table.mutable_value()->set_text_value(w.schema + "." + w.table);
    AddKeyColumn(table, &e.key);
    const int keys = kWindowColumns + static_cast<int>(w.spec->group_by.size());
    for (int i = 0; i < keys; ++i) {
      if (i == 1) continue;
      e.event.add_key_columns(w.row.columns(i).name());
      AddKeyColumn(w.row.columns(i), &e.key);
    }
    e.has_key = true;
    e.event.mutable_after()->Swap(w.row.mutable_columns());
    out->push_back(std::move(e));
    journal_->Stage(name, std::nullopt, states);
    dirty_.erase(name);
    windows_.erase(it);
  }
  for (const std::string& name : dirty_) {
    journal_->Stage(name, StateValue(windows_.at(name)), states);
  }
  dirty_.clear();
  if (watermark_ != staged_watermark_) {
    journal_->Stage(std::string(kWatermark), std::to_string(watermark_), states);
    staged_watermark_ = watermark_;
  }
}

}  // namespace cdc::agent
