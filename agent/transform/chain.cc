#include "agent/transform/chain.h"

#include <openssl/evp.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <cctype>
#include <cstdio>
#include <set>
#include <string_view>
#include <utility>

#include "common/utf8.h"

namespace cdc::agent::transform {

namespace {

using Columns = google::protobuf::RepeatedPtrField<cdc::v1::Column>;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void AppendLowerHex(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : bytes) {
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string QualifiedName(const TableShape& shape) { return shape.schema + "." + shape.table; }

// The row of an event as an expression reads it: by index in `shape`.
class EventRow final : public RowAccess {
 public:
  EventRow(const TableShape& shape, const cdc::v1::ChangeEvent& event)
      : shape_(shape), event_(event) {}
  cdc::v1::Op op() const override { return event_.op(); }
  const cdc::v1::Value* before(size_t index) const override {
    return Read(index, event_.before());
  }
  const cdc::v1::Value* after(size_t index) const override { return Read(index, event_.after()); }
  const cdc::v1::Source& source() const override { return event_.source(); }
  // Columns read that the image did not hold although it holds others (a
  // PostgreSQL old row of the key alone, a MySQL minimal image): unknown,
  // not NULL.
  size_t missing() const { return missing_; }

 private:
  const cdc::v1::Value* Read(size_t index, const Columns& image) const {
    const cdc::v1::Column* c = FindColumn(shape_, index, image);
    if (c == nullptr && !image.empty()) ++missing_;
    return c == nullptr ? nullptr : &c->value();
  }

  const TableShape& shape_;
  const cdc::v1::ChangeEvent& event_;
  mutable size_t missing_ = 0;
};

ExprScope ScopeOf(const TableShape& shape, const TransformSpec& spec) {
  ExprScope scope;
  scope.columns.reserve(shape.columns.size());
  for (const TableShape::Column& c : shape.columns) {
    scope.columns.push_back({c.name, ExprTypeOf(shape.kind, c.type)});
  }
  scope.maps = spec.maps;
  return scope;
}

int IndexOf(const TableShape& shape, std::string_view name) {
  for (size_t i = 0; i < shape.columns.size(); ++i) {
    if (shape.columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string ColumnList(const TableShape& shape) {
  std::string list;
  for (const TableShape::Column& c : shape.columns) list += (list.empty() ? "" : ", ") + c.name;
  return list;
}

std::string Where(const cdc::v1::ChangeEvent& e) {
  const cdc::v1::Source& s = e.source();
  std::string at;
  if (s.has_postgres()) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(s.postgres().lsn() >> 32),
                  static_cast<unsigned>(s.postgres().lsn() & 0xffffffffu));
    at = std::string(" at ") + buf;
  } else if (s.has_mysql()) {
    at = " at " + s.mysql().file() + ":" + std::to_string(s.mysql().pos());
  }
  return at;
}

}  // namespace

bool AppendJoinKeyPart(const cdc::v1::Value& v, std::string* key) {
  std::string text;
  if (!ValueText(v, &text)) return false;
  key->append(std::to_string(text.size()));
  key->push_back(':');
  key->append(text);
  return true;
}

// The text of a value as masks, hashes and topic templates use it: the
// value's own text for text-like kinds, decimal digits for numbers, lowercase
// hex for bytes. False for NULL, an unchanged value and composite kinds.
bool ValueText(const cdc::v1::Value& v, std::string* out) {
  out->clear();
  switch (v.kind_case()) {
    case cdc::v1::Value::kTextValue: *out = v.text_value(); return true;
    case cdc::v1::Value::kDecimalValue: *out = v.decimal_value(); return true;
    case cdc::v1::Value::kJsonValue: *out = v.json_value(); return true;
    case cdc::v1::Value::kUuidValue: *out = v.uuid_value(); return true;
    case cdc::v1::Value::kInetValue: *out = v.inet_value(); return true;
    case cdc::v1::Value::kMacaddrValue: *out = v.macaddr_value(); return true;
    case cdc::v1::Value::kBitsValue: *out = v.bits_value(); return true;
    case cdc::v1::Value::kEnumValue: *out = v.enum_value(); return true;
    case cdc::v1::Value::kIntValue: *out = std::to_string(v.int_value()); return true;
    case cdc::v1::Value::kUintValue: *out = std::to_string(v.uint_value()); return true;
    case cdc::v1::Value::kBoolValue: *out = v.bool_value() ? "true" : "false"; return true;
    case cdc::v1::Value::kDoubleValue:
    case cdc::v1::Value::kFloatValue: {
      char buf[40];
      const double d = v.kind_case() == cdc::v1::Value::kDoubleValue ? v.double_value()
                                                                    : v.float_value();
      std::snprintf(buf, sizeof buf, "%.17g", d);
      *out = buf;
      return true;
    }
    case cdc::v1::Value::kBytesValue: AppendLowerHex(v.bytes_value(), out); return true;
    case cdc::v1::Value::kRawValue: *out = v.raw_value().text(); return true;
    default: return false;  // dates, times, sets, arrays: no plain text
  }
}

ExprType ExprTypeOf(cdc::v1::SourceKind kind, const std::string& type) {
  const std::string t = Lower(type);
  auto base = t.substr(0, t.find('('));
  if (kind == cdc::v1::SOURCE_KIND_POSTGRES) {
    if (!base.empty() && base[0] == '_') return ExprType::kAny;  // arrays
    // (and the names compute gives its columns: "int", "double", ...)
    if (base == "int2" || base == "int4" || base == "int8" || base == "smallint" ||
        base == "integer" || base == "bigint" || base == "oid" || base == "int") {
      return ExprType::kInt;
    }
    if (base == "float4" || base == "float8" || base == "real" || base == "double precision" ||
        base == "double") {
      return ExprType::kDouble;
    }
    if (base == "numeric" || base == "decimal" || base == "money") return ExprType::kDecimal;
    if (base == "text" || base == "varchar" || base == "bpchar" || base == "char" ||
        base == "name" || base == "citext" || base == "character varying" ||
        base == "character") {
      return ExprType::kText;
    }
    if (base == "bool" || base == "boolean") return ExprType::kBool;
    if (base == "bytea") return ExprType::kBytes;
    if (base == "date") return ExprType::kDate;
    if (base == "timestamp" || base == "timestamptz") return ExprType::kTimestamp;
    return ExprType::kAny;
  }
  // MySQL/MariaDB: "int", "bigint unsigned", "varchar(20)", "decimal(10,2)".
  const bool is_unsigned = t.find("unsigned") != std::string::npos;
  base = base.substr(0, base.find(' '));
  if (base == "tinyint" || base == "smallint" || base == "mediumint" || base == "int" ||
      base == "integer" || base == "year") {
    return ExprType::kInt;
  }
  if (base == "bigint") return is_unsigned ? ExprType::kAny : ExprType::kInt;
  if (base == "float" || base == "double" || base == "real") return ExprType::kDouble;
  if (base == "decimal" || base == "numeric") return ExprType::kDecimal;
  if (base == "char" || base == "varchar" || base == "tinytext" || base == "text" ||
      base == "mediumtext" || base == "longtext" || base == "enum") {
    return ExprType::kText;
  }
  if (base == "binary" || base == "varbinary" || base == "tinyblob" || base == "blob" ||
      base == "mediumblob" || base == "longblob") {
    return ExprType::kBytes;
  }
  if (base == "date") return ExprType::kDate;
  if (base == "datetime" || base == "timestamp") return ExprType::kTimestamp;
  return ExprType::kAny;
}

bool TableMatches(std::string_view pattern, std::string_view name) {
  // Iterative glob with one backtrack point for the last '*'.
  size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool AnyTransformApplies(const std::vector<TransformSpec>& specs, std::string_view table) {
  return std::any_of(specs.begin(), specs.end(), [&](const TransformSpec& spec) {
    return spec.tables.empty() ||
           std::any_of(spec.tables.begin(), spec.tables.end(),
                       [&](const std::string& p) { return TableMatches(p, table); });
  });
}

namespace {

// SHA-256 fetched once: EVP_sha256() looks the implementation up (under a
// lock) at every initialisation.
const EVP_MD* Sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

class Step {
 public:
  virtual ~Step() = default;
  // False: the event is dropped.
  virtual Result<bool> Apply(ChainRunner& runner, cdc::v1::ChangeEvent* event) const = 0;

  std::string label;  // "transforms[2] (mask) on public.t"
  std::string dead_letter_topic;  // with kDeadLetter; empty: the default
  ErrorPolicy on_error = ErrorPolicy::kFail;
  TableShapePtr in;  // the row as this step receives it

 protected:
  static Evaluator& evaluator(ChainRunner& r) { return r.evaluator_; }
  static ChainCounters& counters(ChainRunner& r) { return r.counters_; }
  static std::string& scratch(ChainRunner& r) { return r.scratch_; }
  static cdc::v1::Value& value(ChainRunner& r) { return r.value_; }
  static std::vector<int>& sources(ChainRunner& r) { return r.ints_[0]; }
  static std::vector<int>& positions(ChainRunner& r) { return r.ints_[1]; }
  static std::vector<int>& owners(ChainRunner& r) { return r.ints_[2]; }
  static EVP_MD_CTX* digest(ChainRunner& r) {
    if (r.digest_ == nullptr) r.digest_ = EVP_MD_CTX_new();
    return r.digest_;
  }
  static std::string& absorbed(ChainRunner& r) { return r.last_absorbed_; }
  static JoinLookup* join_lookup(ChainRunner& r) { return r.join_lookup_; }
  static AggregateSink* aggregate_sink(ChainRunner& r) { return r.aggregate_sink_; }
  static AggregateInput& aggregate_input(ChainRunner& r) { return r.aggregate_input_; }

  // Applies on_error to a failure: an error for kFail, else absorbed.
  Status Failure(ChainRunner& r, const cdc::v1::ChangeEvent& e, const Status& s) const {
    std::string what = label + Where(e) + ": " + s.message();
    if (on_error == ErrorPolicy::kFail) {
      return Status::InvalidArgument(
          what + " (set on_error: drop, null or dead-letter on the transform to go on past such "
                 "events)");
    }
    if (on_error == ErrorPolicy::kDeadLetter) {
      ++counters(r).dead_lettered;
      r.dead_letter_ = true;
      r.dead_letter_reason_ = s.message();
      r.dead_letter_transform_ = label;
      r.dead_letter_topic_ = dead_letter_topic;
    }
    absorbed(r) = std::move(what);
    return Status::OK();
  }
};

namespace {

class FilterStep final : public Step {
 public:
  uint32_t ops = 0;  // bit per cdc::v1::Op; 0: any
  std::shared_ptr<const CompiledExpr> when;

  Result<bool> Apply(ChainRunner& r, cdc::v1::ChangeEvent* e) const override {
    if (ops != 0 && (ops & (1u << static_cast<unsigned>(e->op()))) == 0) {
      ++counters(r).filtered;
      return false;
    }
    // A TRUNCATE has no row to test: `ops` decides for it.
    if (!when || e->op() == cdc::v1::OP_TRUNCATE) return true;
    EventRow row(*in, *e);
    Result<bool> keep = evaluator(r).EvaluatePredicate(*when, row);
    if (keep.ok() && !*keep && (row.missing() > 0 || evaluator(r).unchanged_reads() > 0)) {
      // It read values the event does not carry: not known to be false, so
      // kept (a compacted topic must see a delete).
      return true;
    }
    if (!keep.ok()) {
      CDC_RETURN_IF_ERROR(Failure(r, *e, keep.status()));
      if (on_error == ErrorPolicy::kDrop) {
        ++counters(r).dropped;
      } else if (on_error == ErrorPolicy::kNull) {
        ++counters(r).filtered;  // NULL: not kept
      }
      return false;
    }
    if (!*keep) ++counters(r).filtered;
    return *keep;
  }
};

class ProjectStep final : public Step {
 public:
  std::vector<size_t> keep;          // input indexes, in output order
  std::vector<std::string> names;    // output names
  std::vector<std::string> key_names;

  Result<bool> Apply(ChainRunner& r, cdc::v1::ChangeEvent* e) const override {
    Project(r, e->mutable_before());
    Project(r, e->mutable_after());
    if (e->key_columns_size() != static_cast<int>(key_names.size())) {
      e->clear_key_columns();
      for (const std::string& k : key_names) e->add_key_columns(k);
    } else {
      for (size_t i = 0; i < key_names.size(); ++i) {
        if (e->key_columns(static_cast<int>(i)) != key_names[i]) {
          e->set_key_columns(static_cast<int>(i), key_names[i]);
        }
      }
    }
    return true;
  }

 private:
  // Reorders the image in place (no column is copied or allocated), then
  // drops what is left over at its end.
  void Project(ChainRunner& r, Columns* image) const {
    if (image->empty()) return;
    std::vector<int>& source = sources(r);  // source[j]: where output column j is in the image
    std::vector<int>& slot = positions(r);  // slot[i]: where image column i is now
    std::vector<int>& at_slot = owners(r);  // at_slot[p]: which image column is at p
    source.resize(keep.size());
    for (size_t j = 0; j < keep.size(); ++j) source[j] = FindColumnIndex(*in, keep[j], *image);
    const size_t n = static_cast<size_t>(image->size());
    slot.resize(n);
    at_slot.resize(n);
    for (size_t i = 0; i < n; ++i) slot[i] = at_slot[i] = static_cast<int>(i);
    int out = 0;
    for (size_t j = 0; j < keep.size(); ++j) {
      const int at = source[j];
      if (at < 0) continue;
      const int now = slot[static_cast<size_t>(at)];
      if (now != out) {
        image->SwapElements(out, now);
        const int displaced = at_slot[static_cast<size_t>(out)];
        slot[static_cast<size_t>(displaced)] = now;
        at_slot[static_cast<size_t>(now)] = displaced;
        slot[static_cast<size_t>(at)] = out;
        at_slot[static_cast<size_t>(out)] = at;
      }
      cdc::v1::Column& c = (*image)[out];
      if (c.name() != names[j]) c.set_name(names[j]);
      ++out;
    }
    if (out < image->size()) image->DeleteSubrange(out, image->size() - out);
  }
};

class MaskStep final : public Step {
 public:
  struct Target {
    size_t index;
    MaskSpec spec;
  };
  std::vector<Target> targets;
  std::string salt;

  Result<bool> Apply(ChainRunner& r, cdc::v1::ChangeEvent* e) const override {
    for (const Target& t : targets) {
      CDC_RETURN_IF_ERROR(Mask(r, t, e->mutable_before()));
      CDC_RETURN_IF_ERROR(Mask(r, t, e->mutable_after()));
    }
    return true;
  }

 private:
  Status Mask(ChainRunner& r, const Target& t, Columns* image) const {
    const int at = FindColumnIndex(*in, t.index, *image);
    if (at < 0) return Status::OK();
    cdc::v1::Value* v = (*image)[at].mutable_value();
    const auto kind = v->kind_case();
    if (kind == cdc::v1::Value::kNull || kind == cdc::v1::Value::kUnchanged) return Status::OK();
    if (t.spec.kind != MaskSpec::Kind::kNull) (*image)[at].set_type("text");
    switch (t.spec.kind) {
      case MaskSpec::Kind::kNull: v->set_null(true); return Status::OK();
      case MaskSpec::Kind::kValue: v->set_text_value(t.spec.value); return Status::OK();
      case MaskSpec::Kind::kKeepLast: {
        std::string& text = scratch(r);
        if (!ValueText(*v, &text)) text = v->ShortDebugString();
        // Count characters, then star all but the last keep_last of them.
        size_t chars = 0;
        for (std::string_view rest = text; !rest.empty(); ++chars) {
          uint32_t cp = 0;
          const size_t len = DecodeUtf8(rest, &cp);
          rest.remove_prefix(len == 0 ? 1 : len);
        }
        const size_t hide = chars > static_cast<size_t>(t.spec.keep_last)
                                ? chars - static_cast<size_t>(t.spec.keep_last)
                                : 0;
        std::string masked(hide, '*');
        std::string_view rest = text;
        for (size_t i = 0; i < hide; ++i) {
          uint32_t cp = 0;
          const size_t len = DecodeUtf8(rest, &cp);
          rest.remove_prefix(len == 0 ? 1 : len);
        }
        masked.append(rest);
        v->set_text_value(std::move(masked));
        return Status::OK();
      }
      case MaskSpec::Kind::kHash: {
        std::string& text = scratch(r);
        if (!ValueText(*v, &text)) text = v->SerializeAsString();
        unsigned char sum[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        EVP_MD_CTX* ctx = digest(r);
        if (ctx == nullptr || EVP_DigestInit_ex2(ctx, Sha256(), nullptr) != 1 ||
            EVP_DigestUpdate(ctx, salt.data(), salt.size()) != 1 ||
            EVP_DigestUpdate(ctx, text.data(), text.size()) != 1 ||
            EVP_DigestFinal_ex(ctx, sum, &size) != 1 || size == 0) {
          // Never an empty hash: rows would merge under one key.
          return Status::IOError(label + ": SHA-256 of a value failed in OpenSSL");
        }
        // Into the value's own string: no new allocation once it is long
        // enough.
        if (v->kind_case() != cdc::v1::Value::kTextValue) v->set_text_value("");
        std::string* hex = v->mutable_text_value();
        hex->clear();
        AppendLowerHex(std::string_view(reinterpret_cast<const char*>(sum), size), hex);
        return Status::OK();
      }
    }
    return Status::OK();
  }
};

class ComputeStep final : public Step {
 public:
  std::shared_ptr<const CompiledExpr> expr;
  std::string column;
  std::string type;  // of a new column
  int replaces = -1;  // input index of the column it overwrites, or -1

  Result<bool> Apply(ChainRunner& r, cdc::v1::ChangeEvent* e) const override {
    const bool deleting = e->op() == cdc::v1::OP_DELETE;
    Columns* image = deleting ? e->mutable_before() : e->mutable_after();
    if (image->empty()) return true;  // TRUNCATE
    EventRow row(*in, *e);
    Result<ExprValue> v = evaluator(r).Evaluate(*expr, row);
    if (v.ok() && row.missing() > 0) return true;  // not known: the column stays out
    cdc::v1::Value* out = Target(image);
    if (!v.ok()) {
      CDC_RETURN_IF_ERROR(Failure(r, *e, v.status()));
      if (on_error == ErrorPolicy::kDrop) {
        ++counters(r).dropped;
        return false;
      }
      if (on_error == ErrorPolicy::kDeadLetter) return false;
      ++counters(r).nulled;
      out->set_null(true);
      return true;
    }
    if (evaluator(r).unchanged_reads() > 0) {
      // It read a value PostgreSQL did not send: the result is not known.
      out->set_unchanged(true);
      return true;
    }
    // Built aside, then swapped in: the result may point into the value it
    // replaces (trim(name) into name).
    cdc::v1::Value& built = value(r);
    Evaluator::ToProto(*v, &built);
    out->Swap(&built);
    return true;
  }

 private:
  cdc::v1::Value* Target(Columns* image) const {
    if (replaces >= 0) {
      const int at = FindColumnIndex(*in, static_cast<size_t>(replaces), *image);
      if (at >= 0) {
        (*image)[at].set_type(type);
        return (*image)[at].mutable_value();
      }
    }
    cdc::v1::Column* c = image->Add();
    c->set_name(column);
    c->set_type(type);
    return c->mutable_value();
  }
};

// A lookup join: the columns of the row of another table whose key the
// event's `on` columns give, from the join state, as of the event's place
// in the log.
class JoinStep final : public Step {
 public:
  std::string from;
  std::vector<size_t> on;                // input indexes, in the joined key's order
  std::vector<std::string> columns;      // of `from`
  std::vector<std::string> names;        // as added to the event
  bool missing_drop = false;

  Result<bool> Apply(ChainRunner& r, cdc::v1::ChangeEvent* e) const override {
    const bool deleting = e->op() == cdc::v1::OP_DELETE;
    Columns* image = deleting ? e->mutable_before() : e->mutable_after();
    if (image->empty()) return true;  // TRUNCATE
    std::string& key = scratch(r);
    key.clear();
    bool unchanged = false;
    bool null = false;
    for (size_t index : on) {
      const int at = FindColumnIndex(*in, index, *image);
      if (at < 0) return true;  // the image lacks it: what matches is not known
      const cdc::v1::Value& v = (*image)[at].value();
      if (v.kind_case() == cdc::v1::Value::kUnchanged) {
        unchanged = true;
      } else if (v.kind_case() == cdc::v1::Value::kNull) {
        null = true;
      } else if (!AppendJoinKeyPart(v, &key)) {
        return Status::InvalidArgument(label + Where(*e) + ": column '" +
                                       in->columns[index].name +
                                       "' holds a value that cannot be a join key (a key is "
                                       "matched by its text: numbers, text, uuid, bytes)");
      }
    }
    if (unchanged) {
      // An unchanged TOAST value: the joined row is not known either.
      for (const std::string& name : names) {
        cdc::v1::Column* c = image->Add();
        c->set_name(name);
        c->mutable_value()->set_unchanged(true);
      }
      return true;
    }
    const cdc::v1::Row* row = nullptr;
    if (!null) {
      if (join_lookup(r) == nullptr) {
        return Status::InvalidArgument(label + ": no join state to read " + from);
      }
      CDC_ASSIGN_OR_RETURN(row, join_lookup(r)->FindJoinRow(from, key));
    }
    if (row == nullptr) {
      ++counters(r).join_missed;
      if (missing_drop) return false;
    }
    for (size_t i = 0; i < columns.size(); ++i) {
      cdc::v1::Column* c = image->Add();
      c->set_name(names[i]);
      const cdc::v1::Column* found = nullptr;
      if (row != nullptr) {
        for (const cdc::v1::Column& rc : row->columns()) {
          if (rc.name() == columns[i]) {
            found = &rc;
            break;
          }
        }
      }
      if (found != nullptr) {
        c->set_type(found->type());
        *c->mutable_value() = found->value();
      } else {
        c->mutable_value()->set_null(true);
      }
    }
    return true;
  }

};

// A windowed aggregate: hands the event's group and measured values to the
// aggregator, which keeps the windows; the event goes on.
class AggregateStep final : public Step {
 public:
  uint32_t ops = 0;
  std::vector<size_t> group;
  std::vector<int> measures;  // input index of the measured column; -1 for a count

  Result<bool> Apply(ChainRunner& r, cdc::v1::ChangeEvent* e) const override {
    if ((ops & (1u << static_cast<unsigned>(e->op()))) == 0) return true;
    const Columns& image = e->op() == cdc::v1::OP_DELETE ? e->before() : e->after();
    if (image.empty()) return true;  // TRUNCATE
    AggregateSink* sink = aggregate_sink(r);
    if (sink == nullptr) return Status::InvalidArgument(label + ": no aggregator");
    AggregateInput& in_event = aggregate_input(r);
    in_event.label = &spec_label;
    in_event.table = in.get();
    in_event.commit_us = e->source().commit_time_us();
    in_event.group.clear();
    for (size_t index : group) in_event.group.push_back(FindColumn(*in, index, image));
    in_event.measures.clear();
    for (int index : measures) {
      const cdc::v1::Column* c =
          index < 0 ? nullptr : FindColumn(*in, static_cast<size_t>(index), image);
      in_event.measures.push_back(c);
    }
    CDC_RETURN_IF_ERROR(sink->AddToWindow(in_event));
    return true;
  }

  std::string spec_label;  // the transform's label, which names its windows
};

// The longest value a regex split takes.
constexpr size_t kMaxRegexInput = 4096;

// One column into several: by a delimiter (the last column takes the rest)
// or by a regular expression's named groups (the whole value must match).
class SplitStep final : public Step {
 public:
  size_t column = 0;                 // input index of the column split
  std::string delimiter;             // or:
  std::optional<std::regex> regex;   // with `groups[i]` the group of into[i]
  std::vector<int> groups;
  std::vector<std::string> into;
  std::vector<int> replaces;  // input index of a column each overwrites, or -1
  bool keep_source = true;

  Result<bool> Apply(ChainRunner& r, cdc::v1::ChangeEvent* e) const override {
    const bool deleting = e->op() == cdc::v1::OP_DELETE;
    Columns* image = deleting ? e->mutable_before() : e->mutable_after();
    if (image->empty()) return true;  // TRUNCATE
    const int at = FindColumnIndex(*in, column, *image);
    if (at < 0) return Finish(e, at);  // not in this image: its parts are not known either
    std::vector<cdc::v1::Value*> outs;
    outs.reserve(into.size());
    for (size_t i = 0; i < into.size(); ++i) outs.push_back(Target(image, i));
    const cdc::v1::Value* source = &(*image)[at].value();
    if (source->kind_case() == cdc::v1::Value::kNull ||
        source->kind_case() == cdc::v1::Value::kUnchanged) {
      // NULL gives NULLs; a value not sent gives values not known.
      const bool unchanged = source->kind_case() == cdc::v1::Value::kUnchanged;
      for (cdc::v1::Value* v : outs) unchanged ? v->set_unchanged(true) : v->set_null(true);
      return Finish(e, at);
    }
    std::string& text = scratch(r);
    if (!ValueText(*source, &text)) {
      return Failed(r, e, outs, "split of " + in->columns[column].name +
                                     ": the value has no plain text form (" +
                                     source->ShortDebugString() + ")");
    }
    if (regex) {
      // The standard library matches recursively, a stack frame per
      // character: a long value could end the process.
      if (text.size() > kMaxRegexInput) {
        return Failed(r, e, outs, "split of " + in->columns[column].name + ": the value is " +
                                       std::to_string(text.size()) + " bytes, more than the " +
                                       std::to_string(kMaxRegexInput) +
                                       " a regex split takes; use a delimiter");
      }
      std::smatch m;
      bool matched = false;
      try {
        matched = std::regex_match(text, m, *regex);
      } catch (const std::regex_error& error) {
        return Failed(r, e, outs, "split of " + in->columns[column].name +
                                       ": the regex gave up (" + error.what() + ")");
      }
      if (!matched) {
        return Failed(r, e, outs, "split of " + in->columns[column].name + ": '" + text +
                                       "' does not match the regex");
      }
      for (size_t i = 0; i < outs.size(); ++i) {
        const auto& g = m[static_cast<size_t>(groups[i])];
        if (g.matched) outs[i]->set_text_value(g.str());
        else outs[i]->set_null(true);
      }
      return Finish(e, at);
    }
    std::string_view rest = text;
    for (size_t i = 0; i < outs.size(); ++i) {
      const size_t cut = i + 1 == outs.size() ? std::string_view::npos : rest.find(delimiter);
      if (rest.data() == nullptr) {
        outs[i]->set_null(true);  // fewer parts than columns
        continue;
      }
      outs[i]->set_text_value(std::string(rest.substr(0, cut)));
      rest = cut == std::string_view::npos ? std::string_view() : rest.substr(cut + delimiter.size());
    }
    return Finish(e, at);
  }

 private:
  cdc::v1::Value* Target(Columns* image, size_t i) const {
    if (replaces[i] >= 0) {
      const int at = FindColumnIndex(*in, static_cast<size_t>(replaces[i]), *image);
      if (at >= 0) return (*image)[at].mutable_value();
    }
    cdc::v1::Column* c = image->Add();
    c->set_name(into[i]);
    c->set_type("text");
    return c->mutable_value();
  }

  // Without keep_source, the column split leaves both images.
  Result<bool> Finish(cdc::v1::ChangeEvent* e, int /*at*/) const {
    if (keep_source) return true;
    for (Columns* image : {e->mutable_before(), e->mutable_after()}) {
      const int at = FindColumnIndex(*in, column, *image);
      if (at >= 0) image->DeleteSubrange(at, 1);
    }
    return true;
  }

  Result<bool> Failed(ChainRunner& r, cdc::v1::ChangeEvent* e,
                      const std::vector<cdc::v1::Value*>& outs, const std::string& what) const {
    CDC_RETURN_IF_ERROR(Failure(r, *e, Status::InvalidArgument(what)));
    if (on_error == ErrorPolicy::kDrop) {
      ++counters(r).dropped;
      return false;
    }
    if (on_error == ErrorPolicy::kDeadLetter) return false;
    ++counters(r).nulled;
    for (cdc::v1::Value* v : outs) v->set_null(true);
    return Finish(e, -1);
  }
};

// `pattern` with each "(?<name>" made a plain group; `names` gets, for each
// capturing group in order, its name or "". Leaves escapes and character
// classes alone.
std::string PlainGroups(const std::string& pattern, std::vector<std::string>* names) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      out += c;
      out += pattern[++i];
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      continue;
    }
    if (c == '(') {
      if (pattern.compare(i, 3, "(?<") == 0 && i + 3 < pattern.size() && pattern[i + 3] != '=' &&
          pattern[i + 3] != '!') {
        const size_t close = pattern.find('>', i + 3);
        if (close != std::string::npos) {
          names->push_back(pattern.substr(i + 3, close - i - 3));
          out += '(';
          i = close;
          continue;
        }
      }
      if (i + 1 >= pattern.size() || pattern[i + 1] != '?') names->push_back("");
    }
    out += c;
  }
  return out;
}

Status ExprError(const std::string& label, const std::string& field, const Status& s) {
  return Status::InvalidArgument(label + ": " + field + ": " + s.message());
}

}  // namespace

Chain::~Chain() = default;

namespace {

Status ParseTopicTemplate(const std::string& text, const TableShape& row, const std::string& label,
                          std::vector<Chain::TopicPart>* parts) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("${", i);
    if (open != i) {
      const size_t end = open == std::string::npos ? text.size() : open;
      parts->push_back({Chain::TopicPart::Kind::kText, text.substr(i, end - i), 0});
      i = end;
      continue;
    }
    const size_t close = text.find('}', open);
    if (close == std::string::npos) {
      return Status::InvalidArgument(label + ": topic: '${' at character " +
                                     std::to_string(open + 1) + " has no closing '}'");
    }
    const std::string name = text.substr(open + 2, close - open - 2);
    Chain::TopicPart part{Chain::TopicPart::Kind::kColumn, name, 0};
    if (name == "source") {
      part.kind = Chain::TopicPart::Kind::kSource;
    } else if (name == "prefix") {
      part.kind = Chain::TopicPart::Kind::kPrefix;
    } else if (name == "schema" || name == "database") {
      part.kind = Chain::TopicPart::Kind::kSchema;
    } else if (name == "table") {
      part.kind = Chain::TopicPart::Kind::kTable;
    } else {
      // The row as it is now: the after image, the before image of a delete.
      const std::string column = StartsWith(name, "after.")    ? name.substr(6)
                                 : StartsWith(name, "before.") ? name.substr(7)
                                                               : name;
      const int at = IndexOf(row, column);
      if (at < 0) {
        return Status::InvalidArgument(
            label + ": topic: ${" + name + "} at character " + std::to_string(open + 1) +
            " is none of source, prefix, schema, table nor a column (the row has: " +
            ColumnList(row) + ")");
      }
      part.column = static_cast<size_t>(at);
    }
    parts->push_back(std::move(part));
    i = close + 1;
  }
  return Status::OK();
}

}  // namespace

void Chain::RenderTopic(const cdc::v1::ChangeEvent& event, const std::string& source,
                        const std::string& prefix, std::string* out) const {
  out->clear();
  std::string text;
  for (const TopicPart& p : topic_parts_) {
    switch (p.kind) {
      case TopicPart::Kind::kText: *out += p.text; break;
      case TopicPart::Kind::kSource: *out += source; break;
      case TopicPart::Kind::kPrefix: *out += prefix; break;
      case TopicPart::Kind::kSchema: *out += output_->schema; break;
      case TopicPart::Kind::kTable: *out += output_->table; break;
      case TopicPart::Kind::kColumn: {
        const auto& image = event.op() == cdc::v1::OP_DELETE ? event.before() : event.after();
        const cdc::v1::Column* c = FindColumn(*output_, p.column, image);
        if (c == nullptr || !ValueText(c->value(), &text)) text = "null";
        *out += text;
        break;
      }
    }
  }
}

Result<std::shared_ptr<const Chain>> CompileChain(const std::vector<TransformSpec>& specs,
                                                  const TableShapePtr& shape) {
  auto chain = std::make_shared<Chain>();
  TableShapePtr current = shape;
  const std::string table = QualifiedName(*shape);
  // A route that chooses the key columns frees the others from keeping the
  // source's key.
  const bool route_sets_key = std::any_of(specs.begin(), specs.end(), [&](const TransformSpec& s) {
    return s.kind == TransformSpec::Kind::kRoute && !s.key.empty() &&
           (s.tables.empty() || std::any_of(s.tables.begin(), s.tables.end(), [&](const auto& p) {
              return TableMatches(p, table);
            }));
  });
  std::vector<std::string> route_key;
  std::string route_label;
  std::string route_label_topic;
  for (const TransformSpec& spec : specs) {
    if (!spec.tables.empty() &&
        std::none_of(spec.tables.begin(), spec.tables.end(),
                     [&](const std::string& p) { return TableMatches(p, table); })) {
      continue;
    }
    const std::string label = spec.label + " on " + table;
    auto next = std::make_shared<TableShape>(*current);
    std::unique_ptr<Step> step;
    switch (spec.kind) {
      case TransformSpec::Kind::kFilter: {
        auto f = std::make_unique<FilterStep>();
        for (cdc::v1::Op op : spec.ops) f->ops |= 1u << static_cast<unsigned>(op);
        if (!spec.when.empty()) {
          Result<std::shared_ptr<const CompiledExpr>> e = Compile(spec.when, ScopeOf(*current, spec));
          if (!e.ok()) return ExprError(label, "when", e.status());
          if (e.value()->type() != ExprType::kBool && e.value()->type() != ExprType::kNull &&
              e.value()->type() != ExprType::kAny) {
            return Status::InvalidArgument(label + ": when: must give a bool, gives " +
                                           std::string(ExprTypeName(e.value()->type())));
          }
          f->when = std::move(e).value();
        }
        step = std::move(f);
        break;
      }
      case TransformSpec::Kind::kProject: {
        auto p = std::make_unique<ProjectStep>();
        std::vector<size_t> keep;
        if (spec.include.empty()) {
          for (size_t i = 0; i < current->columns.size(); ++i) keep.push_back(i);
        } else {
          for (const std::string& name : spec.include) {
            const int at = IndexOf(*current, name);
            if (at < 0) {
              return Status::InvalidArgument(label + ": include: unknown column '" + name +
                                             "' (the table has: " + ColumnList(*current) + ")");
            }
            if (std::find(keep.begin(), keep.end(), static_cast<size_t>(at)) != keep.end()) {
              return Status::InvalidArgument(label + ": include: '" + name + "' is listed twice");
            }
            keep.push_back(static_cast<size_t>(at));
          }
        }
        for (const std::string& name : spec.exclude) {
          const int at = IndexOf(*current, name);
          if (at < 0) {
            return Status::InvalidArgument(label + ": exclude: unknown column '" + name +
                                           "' (the table has: " + ColumnList(*current) + ")");
          }
          keep.erase(std::remove(keep.begin(), keep.end(), static_cast<size_t>(at)), keep.end());
        }
        next->columns.clear();
        for (size_t i : keep) next->columns.push_back(current->columns[i]);
        for (const auto& [from, to] : spec.rename) {
          const int at = IndexOf(*next, from);
          if (at < 0) {
            return Status::InvalidArgument(label + ": rename: unknown column '" + from +
                                           "' (after include and exclude: " + ColumnList(*next) +
                                           ")");
          }
          if (IndexOf(*next, to) >= 0 && to != from) {
            return Status::InvalidArgument(label + ": rename: '" + from + "' to '" + to +
                                           "', a name another column has");
          }
          next->columns[static_cast<size_t>(at)].name = to;
        }
        // The key follows its columns through the renames.
        next->key.clear();
        for (size_t k : current->key) {
          auto it = std::find(keep.begin(), keep.end(), k);
          if (it == keep.end() && route_sets_key) {
            next->key.clear();
            break;
          }
          if (it == keep.end()) {
            return Status::InvalidArgument(label + ": removes key column '" +
                                           current->columns[k].name +
                                           "', which the message key needs; keep it, or choose "
                                           "the key columns with a route transform");
          }
          next->key.push_back(static_cast<size_t>(it - keep.begin()));
        }
        if (!spec.rename_table.empty()) next->table = spec.rename_table;
        p->keep = keep;
        for (const TableShape::Column& c : next->columns) p->names.push_back(c.name);
        for (size_t k : next->key) p->key_names.push_back(next->columns[k].name);
        step = std::move(p);
        break;
      }
      case TransformSpec::Kind::kMask: {
        auto m = std::make_unique<MaskStep>();
        m->salt = spec.salt;
        for (const MaskSpec& ms : spec.masks) {
          const int at = IndexOf(*current, ms.column);
          if (at < 0) {
            return Status::InvalidArgument(label + ": unknown column '" + ms.column +
                                           "' (the table has: " + ColumnList(*current) + ")");
          }
          if (ms.kind != MaskSpec::Kind::kHash && !route_sets_key &&
              std::find(current->key.begin(), current->key.end(), static_cast<size_t>(at)) !=
                  current->key.end()) {
            return Status::InvalidArgument(
                label + ": '" + ms.column +
                "' is a key column: this mask would give rows the same key and merge them in "
                "Kafka; mask it with a hash");
          }
          if (ms.kind != MaskSpec::Kind::kNull) {
            next->columns[static_cast<size_t>(at)].type = "text";
          }
          if (ms.kind == MaskSpec::Kind::kHash && Sha256() == nullptr) {
            return Status::InvalidArgument(label + ": OpenSSL offers no SHA-256 here");
          }
          m->targets.push_back({static_cast<size_t>(at), ms});
        }
        step = std::move(m);
        break;
      }
      case TransformSpec::Kind::kCompute: {
        // One step per column: each sees the columns computed before it.
        for (const auto& [column, text] : spec.computes) {
          auto c = std::make_unique<ComputeStep>();
          Result<std::shared_ptr<const CompiledExpr>> e = Compile(text, ScopeOf(*current, spec));
          if (!e.ok()) return ExprError(label, "columns." + column, e.status());
          c->expr = std::move(e).value();
          c->column = column;
          c->replaces = IndexOf(*current, column);
          const ExprType type = c->expr->type();
          c->type = std::string(type == ExprType::kAny || type == ExprType::kNull
                                    ? std::string_view("text")
                                    : ExprTypeName(type));
          if (c->replaces < 0) {
            next->columns.push_back({column, c->type});
          } else {
            next->columns[static_cast<size_t>(c->replaces)].type = c->type;
          }
          c->label = label;
          c->on_error = spec.on_error;
          c->dead_letter_topic = spec.dead_letter_topic;
          chain->has_dead_letter_ |= spec.on_error == ErrorPolicy::kDeadLetter;
          c->in = current;
          chain->steps_.push_back(std::move(c));
          current = next;
          next = std::make_shared<TableShape>(*current);
        }
        continue;
      }
      case TransformSpec::Kind::kSplit: {
        auto sp = std::make_unique<SplitStep>();
        const int at = IndexOf(*current, spec.split_column);
        if (at < 0) {
          return Status::InvalidArgument(label + ": column: unknown column '" + spec.split_column +
                                         "' (the table has: " + ColumnList(*current) + ")");
        }
        sp->column = static_cast<size_t>(at);
        sp->delimiter = spec.delimiter;
        sp->keep_source = spec.keep_source;
        if (!spec.regex.empty()) {
          std::vector<std::string> names;
          const std::string plain = PlainGroups(spec.regex, &names);
          try {
            sp->regex.emplace(plain, std::regex::ECMAScript);
          } catch (const std::regex_error& e) {
            return Status::InvalidArgument(label + ": regex: not a valid regular expression (" +
                                           e.what() + ")");
          }
          std::vector<std::string> into;
          for (size_t g = 0; g < names.size(); ++g) {
            if (names[g].empty()) continue;
            into.push_back(names[g]);
            sp->groups.push_back(static_cast<int>(g + 1));
          }
          if (into.empty()) {
            return Status::InvalidArgument(label + ": regex: has no named group (?<name>...) "
                                           "to make a column of");
          }
          sp->into = std::move(into);
        } else {
          sp->into = spec.into;
        }
        for (size_t n = 0; n < sp->into.size(); ++n) {
          const std::string& name = sp->into[n];
          if (std::find(sp->into.begin(), sp->into.begin() + static_cast<long>(n), name) !=
              sp->into.begin() + static_cast<long>(n)) {
            return Status::InvalidArgument(label + ": '" + name + "' is named twice");
          }
          const int replaced = IndexOf(*current, name);
          if (replaced == at && !spec.keep_source) {
            return Status::InvalidArgument(label + ": '" + name +
                                           "' is the column split, which keep_source: false "
                                           "removes");
          }
          sp->replaces.push_back(replaced);
          if (replaced < 0) {
            next->columns.push_back({name, "text"});
          } else {
            next->columns[static_cast<size_t>(replaced)].type = "text";
          }
        }
        if (!spec.keep_source) {
          if (std::find(current->key.begin(), current->key.end(), static_cast<size_t>(at)) !=
                  current->key.end() &&
              !route_sets_key) {
            return Status::InvalidArgument(label + ": keep_source: false removes key column '" +
                                           spec.split_column +
                                           "', which the message key needs; keep it, or choose "
                                           "the key columns with a route transform");
          }
          next->columns.erase(next->columns.begin() + at);
          next->key.clear();
          for (size_t k : current->key) {
            if (k == static_cast<size_t>(at)) continue;
            next->key.push_back(k > static_cast<size_t>(at) ? k - 1 : k);
          }
        }
        step = std::move(sp);
        break;
      }
      case TransformSpec::Kind::kJoin: {
        auto j = std::make_unique<JoinStep>();
        j->from = spec.join_from;
        for (const std::string& name : spec.join_on) {
          const int at = IndexOf(*current, name);
          if (at < 0) {
            return Status::InvalidArgument(label + ": on: unknown column '" + name +
                                           "' (the table has: " + ColumnList(*current) + ")");
          }
          const ExprType type = ExprTypeOf(current->kind, current->columns[at].type);
          if (type == ExprType::kDate || type == ExprType::kTimestamp ||
              type == ExprType::kDouble) {
            return Status::InvalidArgument(label + ": on: column '" + name + "' (" +
                                           current->columns[at].type +
                                           ") cannot match a key: use integer, decimal, text, "
                                           "uuid or bytes columns");
          }
          j->on.push_back(static_cast<size_t>(at));
        }
        j->columns = spec.join_columns;
        j->missing_drop = spec.join_missing_drop;
        for (const std::string& column : spec.join_columns) {
          const std::string name = spec.join_prefix + column;
          if (IndexOf(*next, name) >= 0) {
            return Status::InvalidArgument(label + ": the joined column '" + column +
                                           "' would be named '" + name +
                                           "', a name the row has; choose another prefix");
          }
          // Typed by the joined row's values, known at run time.
          next->columns.push_back({name, "any"});
          j->names.push_back(name);
        }
        step = std::move(j);
        break;
      }
      case TransformSpec::Kind::kAggregate: {
        auto a = std::make_unique<AggregateStep>();
        a->spec_label = spec.label;
        if (spec.ops.empty()) a->ops = 1u << static_cast<unsigned>(cdc::v1::OP_INSERT);
        for (cdc::v1::Op op : spec.ops) a->ops |= 1u << static_cast<unsigned>(op);
        for (const std::string& name : spec.group_by) {
          const int at = IndexOf(*current, name);
          if (at < 0) {
            return Status::InvalidArgument(label + ": group_by: unknown column '" + name +
                                           "' (the table has: " + ColumnList(*current) + ")");
          }
          a->group.push_back(static_cast<size_t>(at));
        }
        std::vector<std::string> names = {"window_start", "window_end"};
        names.insert(names.end(), spec.group_by.begin(), spec.group_by.end());
        for (const AggregateMeasure& m : spec.measures) {
          if (std::find(names.begin(), names.end(), m.name) != names.end()) {
            return Status::InvalidArgument(label + ": measures." + m.name +
                                           ": the row has a column of that name already "
                                           "(window_start, window_end, the group_by columns); "
                                           "choose another name");
          }
          names.push_back(m.name);
          if (m.fn == AggregateMeasure::Fn::kCount) {
            a->measures.push_back(-1);
            continue;
          }
          const int at = IndexOf(*current, m.column);
          if (at < 0) {
            return Status::InvalidArgument(label + ": measures." + m.name + ": unknown column '" +
                                           m.column + "' (the table has: " + ColumnList(*current) +
                                           ")");
          }
          const ExprType type = ExprTypeOf(current->kind, current->columns[at].type);
          // "any": a joined column, typed by its values at run time.
          const bool unknown = current->columns[at].type == "any";
          const bool number = type == ExprType::kInt || type == ExprType::kDouble ||
                              type == ExprType::kDecimal || unknown;
          // Other types order by their text (uuid, inet, enum, json).
          const bool ordered = number || type == ExprType::kText || type == ExprType::kDate ||
                               type == ExprType::kTimestamp || type == ExprType::kAny;
          if (m.fn == AggregateMeasure::Fn::kSum ? !number : !ordered) {
            return Status::InvalidArgument(
                label + ": measures." + m.name + ": " +
                (m.fn == AggregateMeasure::Fn::kSum ? "sum needs a number column"
                                                    : "min and max need a number, text, date or "
                                                      "timestamp column") +
                "; '" + m.column + "' is " + current->columns[at].type);
          }
          a->measures.push_back(at);
        }
        step = std::move(a);
        break;
      }
      case TransformSpec::Kind::kUnwrap:
        chain->unwrap_ = true;
        chain->unwrap_fields_ = spec.unwrap_fields;
        continue;
      case TransformSpec::Kind::kRoute: {
        if (!spec.topic.empty()) {
          chain->topic_template_ = spec.topic;
          route_label_topic = label;
        }
        if (!spec.key.empty()) {
          route_key = spec.key;
          route_label = label;
        }
        continue;
      }
    }
    step->label = label;
    step->on_error = spec.on_error;
    step->dead_letter_topic = spec.dead_letter_topic;
    chain->has_dead_letter_ |= spec.on_error == ErrorPolicy::kDeadLetter;
    step->in = current;
    chain->steps_.push_back(std::move(step));
    current = next;
  }
  auto output = std::make_shared<TableShape>(*current);
  if (!route_key.empty()) {
    output->key.clear();
    for (const std::string& name : route_key) {
      const int at = IndexOf(*output, name);
      if (at < 0) {
        return Status::InvalidArgument(route_label + ": key: unknown column '" + name +
                                       "' (the row has: " + ColumnList(*output) + ")");
      }
      output->key.push_back(static_cast<size_t>(at));
    }
  }
  if (!chain->topic_template_.empty()) {
    CDC_RETURN_IF_ERROR(ParseTopicTemplate(chain->topic_template_, *output, route_label_topic,
                                           &chain->topic_parts_));
  }
  chain->output_ = std::move(output);
  return std::shared_ptr<const Chain>(std::move(chain));
}

ChainRunner::~ChainRunner() { EVP_MD_CTX_free(digest_); }

Result<bool> ChainRunner::Run(const Chain& chain, cdc::v1::ChangeEvent* event) {
  dead_letter_ = false;
  for (const auto& step : chain.steps_) {
    CDC_ASSIGN_OR_RETURN(bool keep, step->Apply(*this, event));
    if (!keep) return false;
  }
  return true;
}

}  // namespace cdc::agent::transform
