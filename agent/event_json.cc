#include "agent/event_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "agent/transform/expr_time.h"
#include "common/json_text.h"
#include "common/utf8.h"

namespace cdc::agent {

// Not in the header: the tests declare these to check each printer on its
// own, not only what the fallback would have printed anyway.
namespace internal {

// Prints `message` into `out` as protobuf's JSON printer would (see
// MessageToJson below for the options), with the printer specialised to
// cdc.v1 or (`reflection`) the one over reflection. False when it leaves the
// message to protobuf's printer: a string field that is not valid UTF-8,
// messages nested more than kMaxDepth deep, and for the reflection printer a
// map, a group, a well-known type, an extendable message or a message type
// not reachable from ChangeEvent or RowKey; for the specialised one anything
// but a ChangeEvent or a RowKey. `out` is unspecified after false.
bool DirectJson(const google::protobuf::Message& message, bool reflection, std::string* out);

// Whether proto/cdc/v1/change_event.proto declares exactly the fields the
// specialised printer knows; EventToJson and RowKeyToJson use it only then.
bool SpecialisedJsonSchemaMatches();

}  // namespace internal

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// protobuf's own printer, with the options every caller here uses. It is the
// reference the direct printer below reproduces byte for byte, and the
// fallback for what the direct printer declines.
std::string MessageToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = false;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    // Keeps the output one JSON object per line even for a message the
    // printer refuses.
    return "{\"json_error\":" + JsonQuote(status.ToString()) + "}";
  }
  return json;
}

// ---------------------------------------------------------------------------
// Print plans for the reflection printer: per message type, its fields in
// field-number order (the order protobuf's printer follows, since it prints
// the serialized form) with their JSON keys, built once for every type
// reachable from ChangeEvent and RowKey.

struct MessagePlan;

struct FieldPlan {
  const FieldDescriptor* field = nullptr;
  std::string key;                       // "\"name\":"
  int oneof = -1;                        // index of its real oneof, or -1
  bool supported = true;                 // false for maps and groups
  const MessagePlan* message = nullptr;  // for message fields
};

struct MessagePlan {
  bool supported = true;  // false for well-known types, map entries, extendable types
  int oneof_count = 0;    // real oneofs
  std::vector<FieldPlan> fields;
};

class Plans {
 public:
  Plans() {
    Build(cdc::v1::ChangeEvent::descriptor());
    Build(cdc::v1::RowKey::descriptor());
  }

  // nullptr for a type not reachable from the roots.
  const MessagePlan* Find(const Descriptor* descriptor) const {
    auto it = plans_.find(descriptor);
    return it == plans_.end() ? nullptr : it->second.get();
  }

 private:
  MessagePlan* Build(const Descriptor* descriptor) {
    auto& slot = plans_[descriptor];
    if (slot) return slot.get();
    slot = std::make_unique<MessagePlan>();
    MessagePlan* plan = slot.get();  // stable while the map grows below
    const auto& options = descriptor->options();
    plan->supported = !options.map_entry() && !options.message_set_wire_format() &&
                      descriptor->extension_range_count() == 0 &&
                      descriptor->file()->package() != "google.protobuf";
    plan->oneof_count = descriptor->real_oneof_decl_count();
    std::vector<const FieldDescriptor*> fields;
    for (int i = 0; i < descriptor->field_count(); ++i) fields.push_back(descriptor->field(i));
    std::sort(fields.begin(), fields.end(),
              [](const FieldDescriptor* a, const FieldDescriptor* b) {
                return a->number() < b->number();
              });
    for (const FieldDescriptor* field : fields) {
      FieldPlan f;
      f.field = field;
      f.key = "\"" + field->name() + "\":";
      if (const auto* oneof = field->real_containing_oneof()) f.oneof = oneof->index();
      f.supported = !field->is_map() && field->type() != FieldDescriptor::TYPE_GROUP;
      plan->fields.push_back(std::move(f));
    }
    // Nested plans last: Build may add to plans_, and `plan` stays valid.
    for (FieldPlan& f : plan->fields) {
      if (f.supported && f.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        f.message = Build(f.field->message_type());
      }
    }
    return plan;
  }

  std::unordered_map<const Descriptor*, std::unique_ptr<MessagePlan>> plans_;
};

const Plans& AllPlans() {
  static const Plans* plans = new Plans();
  return *plans;
}

// ---------------------------------------------------------------------------
// Strings, escaped as protobuf's JSON printer escapes them.

constexpr char kHex[] = "0123456789abcdef";

// 0: copied as is; 1: an ASCII byte with an escape; 2: not ASCII.
constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    if (c >= 0x80) {
      table[c] = 2;
    } else if (c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == 0x7f) {
      table[c] = 1;
    }
  }
  return table;
}();

void AppendU16Escape(uint32_t unit, std::string& out) {
  char buf[6] = {'\\', 'u', kHex[(unit >> 12) & 0xf], kHex[(unit >> 8) & 0xf],
                 kHex[(unit >> 4) & 0xf], kHex[unit & 0xf]};
  out.append(buf, sizeof(buf));
}

void AppendAsciiEscape(uint8_t c, std::string& out) {
  switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\t': out += "\\t"; break;
    case '\n': out += "\\n"; break;
    case '\f': out += "\\f"; break;
    case '\r': out += "\\r"; break;
    default: AppendU16Escape(c, out);  // other controls, '<', '>', DEL
  }
}

// Appends the escape protobuf's printer uses for the non-ASCII code point
// `cp` and returns true, or returns false when it prints `cp` as is: it
// escapes the C1 controls and a list of invisible formatting characters.
bool AppendCodePointEscape(uint32_t cp, std::string& out) {
  if (cp < 0xa0 || cp == 0xad || (cp >= 0x600 && cp <= 0x603) || cp == 0x6dd || cp == 0x70f ||
      cp == 0x17b4 || cp == 0x17b5 || (cp >= 0x200b && cp <= 0x200f) ||
      (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
      (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb)) {
    AppendU16Escape(cp, out);
    return true;
  }
  if (cp == 0xe0001 || (cp >= 0x1d173 && cp <= 0x1d17a) || (cp >= 0xe0020 && cp <= 0xe007f)) {
    AppendU16Escape(0xd800 + ((cp - 0x10000) >> 10), out);  // UTF-16 surrogate pair
    AppendU16Escape(0xdc00 + (cp & 0x3ff), out);
    return true;
  }
  return false;
}

// `text` quoted and escaped; false when it is not well-formed UTF-8 (where
// protobuf's printer silently drops bytes: that case is left to it).
bool AppendJsonString(std::string_view text, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  const auto* run = p;
  out += '"';
  while (p < end) {
    const uint8_t cls = kByteClass[*p];
    if (cls == 0) {
      ++p;
      continue;
    }
    out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (cls == 1) {
      AppendAsciiEscape(*p, out);
      ++p;
    } else {
      uint32_t cp = 0;
      const size_t len =
          DecodeUtf8(std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(end - p)), &cp);
      if (len == 0) return false;
      if (!AppendCodePointEscape(cp, out)) out.append(reinterpret_cast<const char*>(p), len);
      p += len;
    }
    run = p;
  }
  out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
  out += '"';
  return true;
}


// ---------------------------------------------------------------------------
// Numbers.

template <typename T>
void AppendQuotedInteger(T value, std::string& out) {
  char buf[24];
  buf[0] = '"';
  auto result = std::to_chars(buf + 1, buf + sizeof(buf) - 1, value);
  *result.ptr++ = '"';
  out.append(buf, result.ptr);
}

// Non-finite values are JSON strings.
bool AppendNonFinite(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
  } else if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    return false;
  }
  return true;
}

// As protobuf prints a double: printf's %.15g when that reads back as the
// same double, else %.17g.
void AppendDouble(double value, std::string& out) {
  if (AppendNonFinite(value, out)) return;
  char buf[40];
  auto result = std::to_chars(buf, buf + sizeof(buf) - 1, value, std::chars_format::general, 15);
  double back = 0;
  const auto parsed = std::from_chars(buf, result.ptr, back);
  bool same;
  if (parsed.ec == std::errc()) {
    same = back == value;
  } else {  // out of range: what strtod returns then decides
    *result.ptr = '\0';
    const int saved = errno;
    same = std::strtod(buf, nullptr) == value;
    errno = saved;
  }
  if (!same) {
    result = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::general, 17);
  }
  out.append(buf, result.ptr);
}

// As protobuf prints a float: printf's %.6g when strtof reads it back as the
// same float without a range error, else %.9g.
void AppendFloat(float value, std::string& out) {
  if (AppendNonFinite(value, out)) return;
  char buf[40];
  auto result = std::to_chars(buf, buf + sizeof(buf) - 1, value, std::chars_format::general, 6);
  *result.ptr = '\0';
  const int saved = errno;
  errno = 0;
  char* end = nullptr;
  const float back = std::strtof(buf, &end);
  const bool same = *end == '\0' && errno == 0 && back == value;
  errno = saved;
  if (!same) {
    result = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::general, 9);
  }
  out.append(buf, result.ptr);
}

// The value's name, quoted; a number the enum does not name prints as that
// number.
void AppendEnum(const google::protobuf::EnumDescriptor& type, int value, std::string& out) {
  const auto* named = type.FindValueByNumber(value);
  if (named == nullptr) {
    AppendInteger(value, out);
    return;
  }
  out += '"';
  out += named->name();  // an identifier: nothing to escape
  out += '"';
}

// Messages nested deeper go to protobuf's printer, which refuses those past
// its own recursion limit (64) with an error that is printed instead.
constexpr int kMaxDepth = 32;

// ---------------------------------------------------------------------------
// The printer over reflection, for any message type reachable from
// ChangeEvent and RowKey: used when the cdc.v1 types are not the ones the
// specialised printer below was written for.

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  bool PrintMessage(const Message& message, const MessagePlan& plan) {
    if (!plan.supported || depth_ >= kMaxDepth) return false;
    ++depth_;
    const Reflection& reflection = *message.GetReflection();
    const Descriptor* descriptor = message.GetDescriptor();
    // The set member of each real oneof.
    const size_t base = active_.size();
    for (int i = 0; i < plan.oneof_count; ++i) {
      active_.push_back(reflection.GetOneofFieldDescriptor(message, descriptor->oneof_decl(i)));
    }
    out_ += '{';
    bool first = true;
    bool ok = true;
    for (const FieldPlan& f : plan.fields) {
      const FieldDescriptor* field = f.field;
      if (field->is_repeated()) {
        const int n = reflection.FieldSize(message, field);
        if (n == 0) continue;
        if (!f.supported) {
          ok = false;
          break;
        }
        if (!first) out_ += ',';
        first = false;
        out_ += f.key;
        out_ += '[';
        for (int i = 0; i < n && ok; ++i) {
          if (i > 0) out_ += ',';
          ok = PrintValue(message, reflection, f, i);
        }
        if (!ok) break;
        out_ += ']';
      } else {
        const bool set = f.oneof >= 0 ? active_[base + f.oneof] == field
                                       : reflection.HasField(message, field);
        if (!set) continue;
        if (!f.supported) {
          ok = false;
          break;
        }
        if (!first) out_ += ',';
        first = false;
        out_ += f.key;
        if (!PrintValue(message, reflection, f, -1)) {
          ok = false;
          break;
        }
      }
    }
    active_.resize(base);
    --depth_;
    if (!ok) return false;
    out_ += '}';
    return true;
  }

 private:
  // The value of a singular field (index < 0) or one element of a repeated one.
  bool PrintValue(const Message& m, const Reflection& r, const FieldPlan& f, int index) {
    const FieldDescriptor* field = f.field;
    const bool one = index < 0;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        AppendInteger(one ? r.GetInt32(m, field) : r.GetRepeatedInt32(m, field, index), out_);
        return true;
      case FieldDescriptor::CPPTYPE_UINT32:
        AppendInteger(one ? r.GetUInt32(m, field) : r.GetRepeatedUInt32(m, field, index), out_);
        return true;
      case FieldDescriptor::CPPTYPE_INT64:
        AppendQuotedInteger(one ? r.GetInt64(m, field) : r.GetRepeatedInt64(m, field, index),
                            out_);
        return true;
      case FieldDescriptor::CPPTYPE_UINT64:
        AppendQuotedInteger(one ? r.GetUInt64(m, field) : r.GetRepeatedUInt64(m, field, index),
                            out_);
        return true;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        AppendDouble(one ? r.GetDouble(m, field) : r.GetRepeatedDouble(m, field, index), out_);
        return true;
      case FieldDescriptor::CPPTYPE_FLOAT:
        AppendFloat(one ? r.GetFloat(m, field) : r.GetRepeatedFloat(m, field, index), out_);
        return true;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_ += (one ? r.GetBool(m, field) : r.GetRepeatedBool(m, field, index)) ? "true" : "false";
        return true;
      case FieldDescriptor::CPPTYPE_ENUM:
        AppendEnum(*field->enum_type(),
                   one ? r.GetEnumValue(m, field) : r.GetRepeatedEnumValue(m, field, index), out_);
        return true;
      case FieldDescriptor::CPPTYPE_STRING: {
        const std::string& text = one ? r.GetStringReference(m, field, &scratch_)
                                      : r.GetRepeatedStringReference(m, field, index, &scratch_);
        if (field->type() == FieldDescriptor::TYPE_BYTES) {
          AppendQuotedBase64(text, out_);
          return true;
        }
        return AppendJsonString(text, out_);
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (f.message == nullptr) return false;
        return PrintMessage(one ? r.GetMessage(m, field) : r.GetRepeatedMessage(m, field, index),
                            *f.message);
    }
    return false;
  }

  std::string& out_;
  std::string scratch_;
  std::vector<const FieldDescriptor*> active_;  // per open message, its oneofs' set members
  int depth_ = 0;                               // messages open
};

// ---------------------------------------------------------------------------
// The printer specialised to cdc.v1, through the generated accessors: several
// times faster than reflection. It knows each field of each type; the schema
// check below enables it only while proto/cdc/v1/change_event.proto declares
// exactly those fields (same numbers, names, types and presence), so a field
// added to the .proto is never silently left out: until this printer learns
// it, the reflection printer prints the events.

// One JSON object's members: the separators and the keys.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  void Key(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += key;
  }
  void Close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

class EventWriter {
 public:
  explicit EventWriter(std::string& out) : out_(out) {}

  bool Event(const cdc::v1::ChangeEvent& e) {
    if (!Enter()) return false;
    ObjectWriter o(out_);
    if (e.has_source()) {
      o.Key("\"source\":");
      if (!Source(e.source())) return false;
    }
    if (e.op() != 0) {
      o.Key("\"op\":");
      AppendEnum(*cdc::v1::Op_descriptor(), e.op(), out_);
    }
    if (e.before_size() > 0) {
      o.Key("\"before\":");
      if (!Columns(e.before())) return false;
    }
    if (e.after_size() > 0) {
      o.Key("\"after\":");
      if (!Columns(e.after())) return false;
    }
    if (e.key_columns_size() > 0) {
      o.Key("\"key_columns\":");
      if (!Strings(e.key_columns())) return false;
    }
    if (e.has_transaction()) {
      o.Key("\"transaction\":");
      if (!Transaction(e.transaction())) return false;
    }
    return Leave(o);
  }

  bool Key(const cdc::v1::RowKey& k) {
    if (!Enter()) return false;
    ObjectWriter o(out_);
    if (k.columns_size() > 0) {
      o.Key("\"columns\":");
      if (!Columns(k.columns())) return false;
    }
    return Leave(o);
  }

 private:
  // Every message counts towards kMaxDepth, as in the reflection printer.
  bool Enter() { return ++depth_ <= kMaxDepth; }
  bool Leave(ObjectWriter& o) {
    o.Close();
    --depth_;
    return true;
  }

  // Singular fields without presence: printed unless at their default.
  bool String(ObjectWriter& o, std::string_view key, const std::string& value) {
    if (value.empty()) return true;
    o.Key(key);
    return AppendJsonString(value, out_);
  }
  void Bytes(ObjectWriter& o, std::string_view key, const std::string& value) {
    if (value.empty()) return;
    o.Key(key);
    AppendQuotedBase64(value, out_);
  }
  template <typename T>
  void Number(ObjectWriter& o, std::string_view key, T value) {
    if (value == 0) return;
    o.Key(key);
    AppendInteger(value, out_);
  }
  template <typename T>
  void QuotedNumber(ObjectWriter& o, std::string_view key, T value) {
    if (value == 0) return;
    o.Key(key);
    AppendQuotedInteger(value, out_);
  }
  void Bool(ObjectWriter& o, std::string_view key, bool value) {
    if (!value) return;
    o.Key(key);
    out_ += "true";
  }
  void Infinity(ObjectWriter& o, int value) {
    if (value == 0) return;
    o.Key("\"infinity\":");
    AppendEnum(*cdc::v1::Infinity_descriptor(), value, out_);
  }

  // A oneof member's value: printed even when it is its type's default.
  bool OneofString(ObjectWriter& o, std::string_view key, const std::string& value) {
    o.Key(key);
    return AppendJsonString(value, out_);
  }
  void OneofBool(ObjectWriter& o, std::string_view key, bool value) {
    o.Key(key);
    out_ += value ? "true" : "false";
  }

  bool Strings(const google::protobuf::RepeatedPtrField<std::string>& values) {
    out_ += '[';
    bool first = true;
    for (const std::string& v : values) {
      if (!first) out_ += ',';
      first = false;
      if (!AppendJsonString(v, out_)) return false;
    }
    out_ += ']';
    return true;
  }

  bool Columns(const google::protobuf::RepeatedPtrField<cdc::v1::Column>& columns) {
    out_ += '[';
    bool first = true;
    for (const cdc::v1::Column& c : columns) {
      if (!first) out_ += ',';
      first = false;
      if (!Column(c)) return false;
    }
    out_ += ']';
    return true;
  }

  bool Column(const cdc::v1::Column& c) {
    if (!Enter()) return false;
    ObjectWriter o(out_);
    if (!String(o, "\"name\":", c.name()) || !String(o, "\"type\":", c.type())) return false;
    if (c.has_value()) {
      o.Key("\"value\":");
      if (!Value(c.value())) return false;
    }
    return Leave(o);
  }

  bool Source(const cdc::v1::Source& s) {
    if (!Enter()) return false;
    ObjectWriter o(out_);
    if (s.kind() != 0) {
      o.Key("\"kind\":");
      AppendEnum(*cdc::v1::SourceKind_descriptor(), s.kind(), out_);
    }
    if (!String(o, "\"server_name\":", s.server_name()) ||
        !String(o, "\"database\":", s.database()) || !String(o, "\"schema\":", s.schema()) ||
        !String(o, "\"table\":", s.table())) {
      return false;
    }
    if (s.has_postgres()) {
      o.Key("\"postgres\":");
      if (!Enter()) return false;
      ObjectWriter p(out_);
      QuotedNumber(p, "\"lsn\":", s.postgres().lsn());
      QuotedNumber(p, "\"commit_lsn\":", s.postgres().commit_lsn());
      Leave(p);
    } else if (s.has_mysql()) {
      o.Key("\"mysql\":");
      if (!Enter()) return false;
      ObjectWriter m(out_);
      if (!String(m, "\"file\":", s.mysql().file())) return false;
      QuotedNumber(m, "\"pos\":", s.mysql().pos());
      if (!String(m, "\"gtid\":", s.mysql().gtid())) return false;
      Leave(m);
    }
    QuotedNumber(o, "\"transaction_id\":", s.transaction_id());
    QuotedNumber(o, "\"commit_time_us\":", s.commit_time_us());
    QuotedNumber(o, "\"event_index\":", s.event_index());
    Bool(o, "\"snapshot\":", s.snapshot());
    return Leave(o);
  }

  bool Transaction(const cdc::v1::Transaction& t) {
    if (!Enter()) return false;
    ObjectWriter o(out_);
    if (!String(o, "\"id\":", t.id())) return false;
    QuotedNumber(o, "\"total_order\":", t.total_order());
    QuotedNumber(o, "\"data_collection_order\":", t.data_collection_order());
    QuotedNumber(o, "\"event_count\":", t.event_count());
    if (t.data_collections_size() > 0) {
      o.Key("\"data_collections\":");
      out_ += '[';
      bool first = true;
      for (const cdc::v1::TableEventCount& c : t.data_collections()) {
        if (!first) out_ += ',';
        first = false;
        if (!Enter()) return false;
        ObjectWriter m(out_);
        if (!String(m, "\"data_collection\":", c.data_collection())) return false;
        QuotedNumber(m, "\"event_count\":", c.event_count());
        Leave(m);
      }
      out_ += ']';
    }
    return Leave(o);
  }

  bool Value(const cdc::v1::Value& v) {
    using K = cdc::v1::Value;
    if (!Enter()) return false;
    ObjectWriter o(out_);
    switch (v.kind_case()) {
      case K::kNull: OneofBool(o, "\"null\":", v.null()); break;
      case K::kUnchanged: OneofBool(o, "\"unchanged\":", v.unchanged()); break;
      case K::kBoolValue: OneofBool(o, "\"bool_value\":", v.bool_value()); break;
      case K::kIntValue:
        o.Key("\"int_value\":");
        AppendQuotedInteger(v.int_value(), out_);
        break;
      case K::kUintValue:
        o.Key("\"uint_value\":");
        AppendQuotedInteger(v.uint_value(), out_);
        break;
      case K::kFloatValue:
        o.Key("\"float_value\":");
        AppendFloat(v.float_value(), out_);
        break;
      case K::kDoubleValue:
        o.Key("\"double_value\":");
        AppendDouble(v.double_value(), out_);
        break;
      case K::kDecimalValue:
        if (!OneofString(o, "\"decimal_value\":", v.decimal_value())) return false;
        break;
      case K::kTextValue:
        if (!OneofString(o, "\"text_value\":", v.text_value())) return false;
        break;
      case K::kBytesValue:
        o.Key("\"bytes_value\":");
        AppendQuotedBase64(v.bytes_value(), out_);
        break;
      case K::kJsonValue:
        if (!OneofString(o, "\"json_value\":", v.json_value())) return false;
        break;
      case K::kDateValue: {
        o.Key("\"date_value\":");
        if (!Enter()) return false;
        const cdc::v1::Date& d = v.date_value();
        ObjectWriter m(out_);
        Number(m, "\"year\":", d.year());
        Number(m, "\"month\":", d.month());
        Number(m, "\"day\":", d.day());
        Infinity(m, d.infinity());
        Leave(m);
        break;
      }
      case K::kTimeValue: {
        o.Key("\"time_value\":");
        if (!Enter()) return false;
        const cdc::v1::Time& t = v.time_value();
        ObjectWriter m(out_);
        QuotedNumber(m, "\"micros\":", t.micros());
        Number(m, "\"precision\":", t.precision());
        Bool(m, "\"has_zone\":", t.has_zone());
        Number(m, "\"utc_offset_seconds\":", t.utc_offset_seconds());
        Leave(m);
        break;
      }
      case K::kTimestampValue: {
        o.Key("\"timestamp_value\":");
        if (!Enter()) return false;
        const cdc::v1::Timestamp& t = v.timestamp_value();
        ObjectWriter m(out_);
        QuotedNumber(m, "\"epoch_micros\":", t.epoch_micros());
        Number(m, "\"precision\":", t.precision());
        Bool(m, "\"with_time_zone\":", t.with_time_zone());
        Infinity(m, t.infinity());
        Bool(m, "\"zero\":", t.zero());
        if (!String(m, "\"invalid_text\":", t.invalid_text())) return false;
        if (!String(m, "\"out_of_range_text\":", t.out_of_range_text())) return false;
        Leave(m);
        break;
      }
      case K::kIntervalValue: {
        o.Key("\"interval_value\":");
        if (!Enter()) return false;
        const cdc::v1::Interval& i = v.interval_value();
        ObjectWriter m(out_);
        Number(m, "\"months\":", i.months());
        Number(m, "\"days\":", i.days());
        QuotedNumber(m, "\"micros\":", i.micros());
        Leave(m);
        break;
      }
      case K::kUuidValue:
        if (!OneofString(o, "\"uuid_value\":", v.uuid_value())) return false;
        break;
      case K::kInetValue:
        if (!OneofString(o, "\"inet_value\":", v.inet_value())) return false;
        break;
      case K::kMacaddrValue:
        if (!OneofString(o, "\"macaddr_value\":", v.macaddr_value())) return false;
        break;
      case K::kBitsValue:
        if (!OneofString(o, "\"bits_value\":", v.bits_value())) return false;
        break;
      case K::kEnumValue:
        if (!OneofString(o, "\"enum_value\":", v.enum_value())) return false;
        break;
      case K::kSetValue: {
        o.Key("\"set_value\":");
        if (!Enter()) return false;
        ObjectWriter m(out_);
        if (v.set_value().labels_size() > 0) {
          m.Key("\"labels\":");
          if (!Strings(v.set_value().labels())) return false;
        }
        Leave(m);
        break;
      }
      case K::kArrayValue: {
        o.Key("\"array_value\":");
        if (!Enter()) return false;
        ObjectWriter m(out_);
        const auto& elements = v.array_value().elements();
        if (!elements.empty()) {
          m.Key("\"elements\":");
          out_ += '[';
          bool first = true;
          for (const cdc::v1::Value& e : elements) {
            if (!first) out_ += ',';
            first = false;
            if (!Value(e)) return false;
          }
          out_ += ']';
        }
        Leave(m);
        break;
      }
      case K::kGeometryValue: {
        o.Key("\"geometry_value\":");
        if (!Enter()) return false;
        ObjectWriter m(out_);
        Number(m, "\"srid\":", v.geometry_value().srid());
        Bytes(m, "\"wkb\":", v.geometry_value().wkb());
        Leave(m);
        break;
      }
      case K::kRawValue: {
        o.Key("\"raw_value\":");
        if (!Enter()) return false;
        ObjectWriter m(out_);
        if (!String(m, "\"text\":", v.raw_value().text())) return false;
        Leave(m);
        break;
      }
      case K::kErrorValue: {
        o.Key("\"error_value\":");
        if (!Enter()) return false;
        ObjectWriter m(out_);
        if (!String(m, "\"message\":", v.error_value().message())) return false;
        Bytes(m, "\"raw\":", v.error_value().raw());
        Leave(m);
        break;
      }
      case K::KIND_NOT_SET:
        break;
    }
    return Leave(o);
  }

  std::string& out_;
  int depth_ = 0;
};

// What EventWriter assumes of each cdc.v1 message type: every field, so
// that the check below notices any change to the .proto.
struct KnownField {
  const char* message;  // in package cdc.v1
  int number;
  const char* name;
  FieldDescriptor::Type type;
  bool repeated;
  const char* oneof;  // its real oneof, or nullptr
};

constexpr FieldDescriptor::Type kMsg = FieldDescriptor::TYPE_MESSAGE;
constexpr FieldDescriptor::Type kStr = FieldDescriptor::TYPE_STRING;
constexpr FieldDescriptor::Type kBytes = FieldDescriptor::TYPE_BYTES;
constexpr FieldDescriptor::Type kEnum = FieldDescriptor::TYPE_ENUM;
constexpr FieldDescriptor::Type kBool = FieldDescriptor::TYPE_BOOL;
constexpr FieldDescriptor::Type kI32 = FieldDescriptor::TYPE_INT32;
constexpr FieldDescriptor::Type kU32 = FieldDescriptor::TYPE_UINT32;
constexpr FieldDescriptor::Type kI64 = FieldDescriptor::TYPE_INT64;
constexpr FieldDescriptor::Type kU64 = FieldDescriptor::TYPE_UINT64;

constexpr KnownField kKnownFields[] = {
    {"ChangeEvent", 1, "source", kMsg, false, nullptr},
    {"ChangeEvent", 2, "op", kEnum, false, nullptr},
    {"ChangeEvent", 3, "before", kMsg, true, nullptr},
    {"ChangeEvent", 4, "after", kMsg, true, nullptr},
    {"ChangeEvent", 5, "key_columns", kStr, true, nullptr},
    {"ChangeEvent", 6, "transaction", kMsg, false, nullptr},
    {"Transaction", 1, "id", kStr, false, nullptr},
    {"Transaction", 2, "total_order", kU64, false, nullptr},
    {"Transaction", 3, "data_collection_order", kU64, false, nullptr},
    {"Transaction", 4, "event_count", kU64, false, nullptr},
    {"Transaction", 5, "data_collections", kMsg, true, nullptr},
    {"TableEventCount", 1, "data_collection", kStr, false, nullptr},
    {"TableEventCount", 2, "event_count", kU64, false, nullptr},
    {"RowKey", 1, "columns", kMsg, true, nullptr},
    {"Column", 1, "name", kStr, false, nullptr},
    {"Column", 2, "type", kStr, false, nullptr},
    {"Column", 3, "value", kMsg, false, nullptr},
    {"Source", 1, "kind", kEnum, false, nullptr},
    {"Source", 2, "server_name", kStr, false, nullptr},
    {"Source", 3, "database", kStr, false, nullptr},
    {"Source", 4, "schema", kStr, false, nullptr},
    {"Source", 5, "table", kStr, false, nullptr},
    {"Source", 6, "postgres", kMsg, false, "position"},
    {"Source", 7, "mysql", kMsg, false, "position"},
    {"Source", 8, "transaction_id", kU64, false, nullptr},
    {"Source", 9, "commit_time_us", kI64, false, nullptr},
    {"Source", 10, "event_index", kU64, false, nullptr},
    {"Source", 11, "snapshot", kBool, false, nullptr},
    {"PostgresPosition", 1, "lsn", kU64, false, nullptr},
    {"PostgresPosition", 2, "commit_lsn", kU64, false, nullptr},
    {"MysqlPosition", 1, "file", kStr, false, nullptr},
    {"MysqlPosition", 2, "pos", kU64, false, nullptr},
    {"MysqlPosition", 3, "gtid", kStr, false, nullptr},
    {"Value", 1, "null", kBool, false, "kind"},
    {"Value", 2, "unchanged", kBool, false, "kind"},
    {"Value", 3, "bool_value", kBool, false, "kind"},
    {"Value", 4, "int_value", FieldDescriptor::TYPE_SINT64, false, "kind"},
    {"Value", 5, "uint_value", kU64, false, "kind"},
    {"Value", 6, "float_value", FieldDescriptor::TYPE_FLOAT, false, "kind"},
    {"Value", 7, "double_value", FieldDescriptor::TYPE_DOUBLE, false, "kind"},
    {"Value", 8, "decimal_value", kStr, false, "kind"},
    {"Value", 9, "text_value", kStr, false, "kind"},
    {"Value", 10, "bytes_value", kBytes, false, "kind"},
    {"Value", 11, "json_value", kStr, false, "kind"},
    {"Value", 12, "date_value", kMsg, false, "kind"},
    {"Value", 13, "time_value", kMsg, false, "kind"},
    {"Value", 14, "timestamp_value", kMsg, false, "kind"},
    {"Value", 15, "interval_value", kMsg, false, "kind"},
    {"Value", 16, "uuid_value", kStr, false, "kind"},
    {"Value", 17, "inet_value", kStr, false, "kind"},
    {"Value", 18, "macaddr_value", kStr, false, "kind"},
    {"Value", 19, "bits_value", kStr, false, "kind"},
    {"Value", 20, "enum_value", kStr, false, "kind"},
    {"Value", 21, "set_value", kMsg, false, "kind"},
    {"Value", 22, "array_value", kMsg, false, "kind"},
    {"Value", 23, "geometry_value", kMsg, false, "kind"},
    {"Value", 24, "raw_value", kMsg, false, "kind"},
    {"Value", 25, "error_value", kMsg, false, "kind"},
    {"Date", 1, "year", kI32, false, nullptr},
    {"Date", 2, "month", kU32, false, nullptr},
    {"Date", 3, "day", kU32, false, nullptr},
    {"Date", 4, "infinity", kEnum, false, nullptr},
    {"Time", 1, "micros", kI64, false, nullptr},
    {"Time", 2, "precision", kU32, false, nullptr},
    {"Time", 3, "has_zone", kBool, false, nullptr},
    {"Time", 4, "utc_offset_seconds", kI32, false, nullptr},
    {"Timestamp", 1, "epoch_micros", kI64, false, nullptr},
    {"Timestamp", 2, "precision", kU32, false, nullptr},
    {"Timestamp", 3, "with_time_zone", kBool, false, nullptr},
    {"Timestamp", 4, "infinity", kEnum, false, nullptr},
    {"Timestamp", 5, "zero", kBool, false, nullptr},
    {"Timestamp", 6, "invalid_text", kStr, false, nullptr},
    {"Timestamp", 7, "out_of_range_text", kStr, false, nullptr},
    {"Interval", 1, "months", kI32, false, nullptr},
    {"Interval", 2, "days", kI32, false, nullptr},
    {"Interval", 3, "micros", kI64, false, nullptr},
    {"Array", 1, "elements", kMsg, true, nullptr},
    {"SetValue", 1, "labels", kStr, true, nullptr},
    {"Geometry", 1, "srid", kU32, false, nullptr},
    {"Geometry", 2, "wkb", kBytes, false, nullptr},
    {"RawText", 1, "text", kStr, false, nullptr},
    {"ValueError", 1, "message", kStr, false, nullptr},
    {"ValueError", 2, "raw", kBytes, false, nullptr},
};

// Whether each message type in kKnownFields has exactly the fields listed,
// with proto3's implicit presence for the singular ones outside oneofs
// (message fields aside). Every type EventWriter prints is listed, so a
// field added anywhere changes a field count.
bool SchemaIsKnown() {
  const google::protobuf::FileDescriptor* file = cdc::v1::ChangeEvent::descriptor()->file();
  std::unordered_map<std::string, int> counts;
  for (const KnownField& k : kKnownFields) {
    const Descriptor* type = file->FindMessageTypeByName(k.message);
    if (type == nullptr || type->extension_range_count() != 0) return false;
    const FieldDescriptor* f = type->FindFieldByNumber(k.number);
    if (f == nullptr || f->name() != k.name || f->type() != k.type ||
        f->is_repeated() != k.repeated || f->is_map()) {
      return false;
    }
    const auto* oneof = f->real_containing_oneof();
    if ((oneof == nullptr) != (k.oneof == nullptr)) return false;
    if (oneof != nullptr && oneof->name() != k.oneof) return false;
    if (!k.repeated && f->has_presence() != (oneof != nullptr || k.type == kMsg)) return false;
    ++counts[k.message];
  }
  for (const auto& [message, count] : counts) {
    if (file->FindMessageTypeByName(message)->field_count() != count) return false;
  }
  return true;
}

bool UseEventWriter() {
  static const bool known = SchemaIsKnown();
  return known;
}

// The size of the last JSON printed on this thread, to size the next one.
thread_local size_t last_size = 256;

template <typename M>
std::string PrintJson(const M& message) {
  std::string out;
  out.reserve(last_size + last_size / 4);
  bool ok;
  if (UseEventWriter()) {
    EventWriter writer(out);
    if constexpr (std::is_same_v<M, cdc::v1::ChangeEvent>) {
      ok = writer.Event(message);
    } else {
      ok = writer.Key(message);
    }
  } else {
    ok = internal::DirectJson(message, /*reflection=*/true, &out);
  }
  if (!ok) return MessageToJson(message);
  last_size = out.size();
  return out;
}

}  // namespace

namespace internal {

bool DirectJson(const Message& message, bool reflection, std::string* out) {
  if (!reflection) {
    EventWriter writer(*out);
    if (const auto* event = dynamic_cast<const cdc::v1::ChangeEvent*>(&message)) {
      return writer.Event(*event);
    }
    if (const auto* key = dynamic_cast<const cdc::v1::RowKey*>(&message)) return writer.Key(*key);
    return false;
  }
  const MessagePlan* plan = AllPlans().Find(message.GetDescriptor());
  if (plan == nullptr) return false;
  JsonWriter writer(*out);
  return writer.PrintMessage(message, *plan);
}

bool SpecialisedJsonSchemaMatches() { return SchemaIsKnown(); }

}  // namespace internal

std::string EventToJson(const cdc::v1::ChangeEvent& event) { return PrintJson(event); }

std::string RowKeyToJson(const cdc::v1::RowKey& key) { return PrintJson(key); }

std::string JsonQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

namespace {

void AppendPlainValue(const cdc::v1::Value& v, std::string& out) {
  using cdc::v1::Value;
  switch (v.kind_case()) {
    case Value::kBoolValue: out += v.bool_value() ? "true" : "false"; return;
    case Value::kIntValue: out += std::to_string(v.int_value()); return;
    case Value::kUintValue: out += std::to_string(v.uint_value()); return;
    case Value::kFloatValue:
    case Value::kDoubleValue: {
      const double d = v.kind_case() == Value::kFloatValue ? v.float_value() : v.double_value();
      if (std::isnan(d)) {
        out += "\"NaN\"";
      } else if (std::isinf(d)) {
        out += d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
      } else {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", d);
        out += buf;
      }
      return;
    }
    case Value::kDecimalValue: out += JsonQuote(v.decimal_value()); return;
    case Value::kTextValue: out += JsonQuote(v.text_value()); return;
    case Value::kUuidValue: out += JsonQuote(v.uuid_value()); return;
    case Value::kInetValue: out += JsonQuote(v.inet_value()); return;
    case Value::kMacaddrValue: out += JsonQuote(v.macaddr_value()); return;
    case Value::kBitsValue: out += JsonQuote(v.bits_value()); return;
    case Value::kEnumValue: out += JsonQuote(v.enum_value()); return;
    case Value::kRawValue: out += JsonQuote(v.raw_value().text()); return;
    case Value::kJsonValue:
      out += v.json_value().empty() ? std::string("null") : v.json_value();
      return;
    case Value::kBytesValue: AppendQuotedBase64(v.bytes_value(), out); return;
    case Value::kGeometryValue: AppendQuotedBase64(v.geometry_value().wkb(), out); return;
    case Value::kDateValue: {
      const cdc::v1::Date& d = v.date_value();
      std::string text;
      transform::internal::AppendDate(
          {d.year(), static_cast<uint8_t>(d.month()), static_cast<uint8_t>(d.day())},
          d.infinity() == cdc::v1::INFINITY_POSITIVE   ? int8_t{1}
          : d.infinity() == cdc::v1::INFINITY_NEGATIVE ? int8_t{-1}
                                                        : int8_t{0},
          &text);
      out += JsonQuote(text);
      return;
    }
    case Value::kTimeValue: {
      std::string text;
      transform::internal::AppendTime(v.time_value(), &text);
      out += JsonQuote(text);
      return;
    }
    case Value::kTimestampValue: {
      const cdc::v1::Timestamp& t = v.timestamp_value();
      std::string text;
      if (t.infinity() != cdc::v1::INFINITY_NONE) {
        text = t.infinity() == cdc::v1::INFINITY_POSITIVE ? "infinity" : "-infinity";
      } else if (t.zero()) {
        text = "0000-00-00T00:00:00";
      } else if (!t.invalid_text().empty()) {
        text = t.invalid_text();
      } else if (!t.out_of_range_text().empty()) {
        text = t.out_of_range_text();
      } else {
        transform::internal::AppendTimestamp(t.epoch_micros(), t.with_time_zone(), &text);
      }
      out += JsonQuote(text);
      return;
    }
    case Value::kIntervalValue: {
      std::string text;
      transform::internal::AppendInterval(v.interval_value(), &text);
      out += JsonQuote(text);
      return;
    }
    case Value::kSetValue: {
      out += '[';
      for (int i = 0; i < v.set_value().labels_size(); ++i) {
        if (i > 0) out += ',';
        out += JsonQuote(v.set_value().labels(i));
      }
      out += ']';
      return;
    }
    case Value::kArrayValue: {
      out += '[';
      for (int i = 0; i < v.array_value().elements_size(); ++i) {
        if (i > 0) out += ',';
        AppendPlainValue(v.array_value().elements(i), out);
      }
      out += ']';
      return;
    }
    case Value::kErrorValue:  // the event's own form says what failed
    case Value::kNull:
    case Value::kUnchanged:
    case Value::KIND_NOT_SET: out += "null"; return;
  }
  out += "null";
}

}  // namespace

std::string RowToPlainJson(const cdc::v1::Row& row) {
  std::string out = "{";
  bool first = true;
  for (const cdc::v1::Column& c : row.columns()) {
    if (c.value().kind_case() == cdc::v1::Value::kUnchanged) continue;
    if (!first) out += ',';
    first = false;
    out += JsonQuote(c.name());
    out += ':';
    AppendPlainValue(c.value(), out);
  }
  out += '}';
  return out;
}

}  // namespace cdc::agent
