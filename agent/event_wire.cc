#include "agent/event_wire.h"

#include <cstdint>
#include <cstring>
#include <string_view>

#include "common/varint.h"

namespace cdc::agent {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Writes into `out` past its current size: the string is grown ahead of
// the bytes (Room) and cut to what was written when the writer goes.
class WireWriter {
 public:
  explicit WireWriter(std::string* out) : out_(out), len_(out->size()) {}
  ~WireWriter() { out_->resize(len_); }
  WireWriter(const WireWriter&) = delete;
  WireWriter& operator=(const WireWriter&) = delete;

  void Tag(uint32_t field, WireType type) { Varint((uint64_t{field} << 3) | type); }
  void Varint(uint64_t v) { len_ += PutVarint(v, Room(kMaxVarintBytes)); }

  // Scalars as proto3 writes them outside a oneof: not at all when zero.
  void Uint(uint32_t field, uint64_t v) {
    if (v != 0) VarintField(field, v);
  }
  void Int(uint32_t field, int64_t v) {
    // int32 and int64 alike: a negative value as its 64-bit two's complement.
    if (v != 0) VarintField(field, static_cast<uint64_t>(v));
  }
  void Bool(uint32_t field, bool v) {
    if (v) VarintField(field, 1);
  }
  void String(uint32_t field, const std::string& s) {
    if (!s.empty()) StringField(field, s);
  }

  // Fields written whatever their value (oneof members, repeated elements).
  void VarintField(uint32_t field, uint64_t v) {
    char* p = Room(2 * kMaxVarintBytes);
    size_t n = PutVarint((uint64_t{field} << 3) | kVarint, p);
    n += PutVarint(v, p + n);
    len_ += n;
  }
  void StringField(uint32_t field, std::string_view s) {
    char* p = Room(2 * kMaxVarintBytes + s.size());
    size_t n = PutVarint((uint64_t{field} << 3) | kLengthDelimited, p);
    n += PutVarint(s.size(), p + n);
    if (!s.empty()) std::memcpy(p + n, s.data(), s.size());
    len_ += n + s.size();
  }
  void Fixed32Field(uint32_t field, uint32_t bits) {
    char* p = Room(kMaxVarintBytes + 4);
    size_t n = PutVarint((uint64_t{field} << 3) | kFixed32, p);
    for (int i = 0; i < 4; ++i) p[n++] = static_cast<char>(bits >> (8 * i));
    len_ += n;
  }
  void Fixed64Field(uint32_t field, uint64_t bits) {
    char* p = Room(kMaxVarintBytes + 8);
    size_t n = PutVarint((uint64_t{field} << 3) | kFixed64, p);
    for (int i = 0; i < 8; ++i) p[n++] = static_cast<char>(bits >> (8 * i));
    len_ += n;
  }

  // A nested message: Begin writes its tag and a one-byte length to fill in,
  // and returns where its content starts; End sets the length, moving the
  // content along when the length needs more than one byte.
  size_t Begin(uint32_t field) {
    char* p = Room(kMaxVarintBytes + 1);
    const size_t n = PutVarint((uint64_t{field} << 3) | kLengthDelimited, p);
    len_ += n + 1;
    return len_;
  }
  void End(size_t start) {
    const uint64_t size = len_ - start;
    if (size < 0x80) {
      (*out_)[start - 1] = static_cast<char>(size);
      return;
    }
    char buf[kMaxVarintBytes];
    const size_t n = PutVarint(size, buf);
    Room(n - 1);
    char* content = out_->data() + start;
    std::memmove(content + n - 1, content, size);
    std::memcpy(content - 1, buf, n);
    len_ += n - 1;
  }

  // A nested message as protobuf itself encodes it.
  void Message(uint32_t field, const google::protobuf::MessageLite& m) {
    const size_t size = m.ByteSizeLong();
    Tag(field, kLengthDelimited);
    Varint(size);
    m.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(Room(size)));
    len_ += size;
  }

 private:
  // Where the next `n` bytes go. The string grows by what is asked and a
  // little more (its capacity by doubling): each growth zeroes the bytes it
  // adds, so it must not add many more than are written.
  char* Room(size_t n) {
    if (out_->size() - len_ < n) out_->resize(len_ + n + kSlack);
    return out_->data() + len_;
  }

  static constexpr size_t kSlack = 256;

  std::string* out_;
  size_t len_;  // bytes written, from the start of *out_
};

void WriteDate(WireWriter& w, uint32_t field, const cdc::v1::Date& d) {
  const size_t start = w.Begin(field);
  w.Int(1, d.year());
  w.Uint(2, d.month());
  w.Uint(3, d.day());
  w.Int(4, d.infinity());
  w.End(start);
}

void WriteTime(WireWriter& w, uint32_t field, const cdc::v1::Time& t) {
  const size_t start = w.Begin(field);
  w.Int(1, t.micros());
  w.Uint(2, t.precision());
  w.Bool(3, t.has_zone());
  w.Int(4, t.utc_offset_seconds());
  w.End(start);
}

void WriteTimestamp(WireWriter& w, uint32_t field, const cdc::v1::Timestamp& t) {
  const size_t start = w.Begin(field);
  w.Int(1, t.epoch_micros());
  w.Uint(2, t.precision());
  w.Bool(3, t.with_time_zone());
  w.Int(4, t.infinity());
  w.Bool(5, t.zero());
  w.String(6, t.invalid_text());
  w.String(7, t.out_of_range_text());
  w.End(start);
}

void WriteInterval(WireWriter& w, uint32_t field, const cdc::v1::Interval& i) {
  const size_t start = w.Begin(field);
  w.Int(1, i.months());
  w.Int(2, i.days());
  w.Int(3, i.micros());
  w.End(start);
}

void WriteValue(WireWriter& w, uint32_t field, const cdc::v1::Value& v) {
  using V = cdc::v1::Value;
  const size_t start = w.Begin(field);
  switch (v.kind_case()) {
    case V::kNull: w.VarintField(V::kNullFieldNumber, v.null()); break;
    case V::kUnchanged: w.VarintField(V::kUnchangedFieldNumber, v.unchanged()); break;
    case V::kBoolValue: w.VarintField(V::kBoolValueFieldNumber, v.bool_value()); break;
    case V::kIntValue: {
      const uint64_t u = static_cast<uint64_t>(v.int_value());
      w.VarintField(V::kIntValueFieldNumber, (u << 1) ^ (v.int_value() < 0 ? ~uint64_t{0} : 0));
      break;
    }
    case V::kUintValue: w.VarintField(V::kUintValueFieldNumber, v.uint_value()); break;
    case V::kFloatValue: {
      const float f = v.float_value();
      uint32_t bits;
      std::memcpy(&bits, &f, sizeof bits);
      w.Fixed32Field(V::kFloatValueFieldNumber, bits);
      break;
    }
    case V::kDoubleValue: {
      const double d = v.double_value();
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      w.Fixed64Field(V::kDoubleValueFieldNumber, bits);
      break;
    }
    case V::kDecimalValue: w.StringField(V::kDecimalValueFieldNumber, v.decimal_value()); break;
    case V::kTextValue: w.StringField(V::kTextValueFieldNumber, v.text_value()); break;
    case V::kBytesValue: w.StringField(V::kBytesValueFieldNumber, v.bytes_value()); break;
    case V::kJsonValue: w.StringField(V::kJsonValueFieldNumber, v.json_value()); break;
    case V::kDateValue: WriteDate(w, V::kDateValueFieldNumber, v.date_value()); break;
    case V::kTimeValue: WriteTime(w, V::kTimeValueFieldNumber, v.time_value()); break;
    case V::kTimestampValue:
      WriteTimestamp(w, V::kTimestampValueFieldNumber, v.timestamp_value());
      break;
    case V::kIntervalValue:
      WriteInterval(w, V::kIntervalValueFieldNumber, v.interval_value());
      break;
    case V::kUuidValue: w.StringField(V::kUuidValueFieldNumber, v.uuid_value()); break;
    case V::kInetValue: w.StringField(V::kInetValueFieldNumber, v.inet_value()); break;
    case V::kMacaddrValue: w.StringField(V::kMacaddrValueFieldNumber, v.macaddr_value()); break;
    case V::kBitsValue: w.StringField(V::kBitsValueFieldNumber, v.bits_value()); break;
    case V::kEnumValue: w.StringField(V::kEnumValueFieldNumber, v.enum_value()); break;
    case V::kSetValue: w.Message(V::kSetValueFieldNumber, v.set_value()); break;
    case V::kArrayValue: w.Message(V::kArrayValueFieldNumber, v.array_value()); break;
    case V::kGeometryValue: w.Message(V::kGeometryValueFieldNumber, v.geometry_value()); break;
    case V::kRawValue: w.Message(V::kRawValueFieldNumber, v.raw_value()); break;
    case V::kErrorValue: w.Message(V::kErrorValueFieldNumber, v.error_value()); break;
    case V::KIND_NOT_SET: break;
  }
  w.End(start);
}

void WriteColumn(WireWriter& w, uint32_t field, const cdc::v1::Column& c) {
  const size_t start = w.Begin(field);
  w.String(1, c.name());
  w.String(2, c.type());
  if (c.has_value()) WriteValue(w, 3, c.value());
  w.End(start);
}

void WriteColumns(WireWriter& w, uint32_t field,
                  const google::protobuf::RepeatedPtrField<cdc::v1::Column>& columns) {
  for (const cdc::v1::Column& c : columns) WriteColumn(w, field, c);
}

void WriteSource(WireWriter& w, uint32_t field, const cdc::v1::Source& s) {
  const size_t start = w.Begin(field);
  w.Int(1, s.kind());
  w.String(2, s.server_name());
  w.String(3, s.database());
  w.String(4, s.schema());
  w.String(5, s.table());
  if (s.has_postgres()) {
    const cdc::v1::PostgresPosition& p = s.postgres();
    const size_t at = w.Begin(6);
    w.Uint(1, p.lsn());
    w.Uint(2, p.commit_lsn());
    w.End(at);
  } else if (s.has_mysql()) {
    const cdc::v1::MysqlPosition& m = s.mysql();
    const size_t at = w.Begin(7);
    w.String(1, m.file());
    w.Uint(2, m.pos());
    w.String(3, m.gtid());
    w.End(at);
  }
  w.Uint(8, s.transaction_id());
  w.Int(9, s.commit_time_us());
  w.Uint(10, s.event_index());
  w.Bool(11, s.snapshot());
  w.End(start);
}

}  // namespace

void AppendEventWire(const cdc::v1::ChangeEvent& event, std::string* out) {
  WireWriter w(out);
  if (event.has_source()) WriteSource(w, 1, event.source());
  w.Int(2, event.op());
  WriteColumns(w, 3, event.before());
  WriteColumns(w, 4, event.after());
  for (const std::string& name : event.key_columns()) w.StringField(5, name);
  if (event.has_transaction()) w.Message(6, event.transaction());
}

// RowKey and Row: columns = 1, and nothing else.
void AppendRowKeyWire(const cdc::v1::RowKey& key, std::string* out) {
  WireWriter w(out);
  WriteColumns(w, 1, key.columns());
}

void AppendRowWire(const cdc::v1::Row& row, std::string* out) {
  WireWriter w(out);
  WriteColumns(w, 1, row.columns());
}

}  // namespace cdc::agent
