// Sample events for tests of what encodes them (JSON, Protobuf): random
// events of every kind from a fixed seed, and every row of the binlog
// fixtures as the MySQL/MariaDB source builds it.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "agent/batch.h"
#include "agent/mysql/row_event_builder.h"
#include "cdc/v1/change_event.pb.h"
#include "decoders/binlog/events.h"
#include "decoders/binlog/rows.h"
#include "tests/unit/decoders/binlog/binlog_test_util.h"

namespace cdc::agent::testing {

// UTF-8 of a code point (no checks: surrogates and values past U+10FFFF
// encode as the bit pattern says).
inline std::string Utf8(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return out;
}

// Random events from a fixed seed: every Value kind, nested arrays, positions,
// enums named and not, strings mixing escapes and multi-byte characters, and
// now and then a string that is not UTF-8 (`invalid`), which must fall back.
class RandomEvents {
 public:
  explicit RandomEvents(uint64_t seed) : rng_(seed) {}

  cdc::v1::ChangeEvent Event(bool* invalid) {
    cdc::v1::ChangeEvent event;
    if (!OneIn(10)) {
      auto* source = event.mutable_source();
      source->set_kind(static_cast<cdc::v1::SourceKind>(Below(5)));
      if (!OneIn(5)) source->set_server_name(Text(invalid));
      if (!OneIn(5)) source->set_database(Text(invalid));
      if (!OneIn(5)) source->set_schema(Text(invalid));
      if (!OneIn(5)) source->set_table(Text(invalid));
      switch (Below(3)) {
        case 0:
          source->mutable_postgres()->set_lsn(Uint64());
          source->mutable_postgres()->set_commit_lsn(Uint64());
          break;
        case 1:
          source->mutable_mysql()->set_file(Text(invalid));
          source->mutable_mysql()->set_pos(Uint64());
          source->mutable_mysql()->set_gtid(Text(invalid));
          break;
        default: break;
      }
      if (OneIn(2)) source->set_transaction_id(Uint64());
      if (OneIn(2)) source->set_commit_time_us(Int64());
      if (OneIn(2)) source->set_event_index(Uint64());
      if (OneIn(3)) source->set_snapshot(true);
    }
    if (!OneIn(8)) event.set_op(static_cast<cdc::v1::Op>(OneIn(20) ? Below(20) - 5 : Below(8)));
    for (int i = Below(7); i > 0; --i) FillColumn(event.add_before(), invalid);
    for (int i = Below(7); i > 0; --i) FillColumn(event.add_after(), invalid);
    for (int i = Below(4); i > 0; --i) event.add_key_columns(Text(invalid));
    if (OneIn(3)) {
      cdc::v1::Transaction* t = event.mutable_transaction();
      if (!OneIn(5)) t->set_id(Text(invalid));
      if (OneIn(2)) t->set_total_order(Uint64());
      if (OneIn(2)) t->set_data_collection_order(Uint64());
      if (OneIn(2)) t->set_event_count(Uint64());
      for (int i = Below(3); i > 0; --i) {
        cdc::v1::TableEventCount* c = t->add_data_collections();
        if (!OneIn(4)) c->set_data_collection(Text(invalid));
        if (!OneIn(4)) c->set_event_count(Uint64());
      }
    }
    return event;
  }

  cdc::v1::RowKey Key(bool* invalid) {
    cdc::v1::RowKey key;
    for (int i = Below(4); i > 0; --i) FillColumn(key.add_columns(), invalid);
    return key;
  }

 private:
  int Below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool OneIn(int n) { return Below(n) == 0; }

  uint64_t Uint64() {
    switch (Below(4)) {
      case 0: return rng_();
      case 1: return static_cast<uint64_t>(Below(1000));
      case 2: return std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(Below(3));
      default: return rng_() >> Below(64);
    }
  }
  int64_t Int64() {
    switch (Below(4)) {
      case 0: return static_cast<int64_t>(rng_());
      case 1: return Below(2001) - 1000;
      case 2:
        return OneIn(2) ? std::numeric_limits<int64_t>::min()
                        : std::numeric_limits<int64_t>::max();
      default: return static_cast<int64_t>(rng_()) >> Below(64);
    }
  }
  int32_t Int32() { return static_cast<int32_t>(Int64()); }
  uint32_t Uint32() { return static_cast<uint32_t>(Uint64()); }

  double Double() {
    static const double kSpecial[] = {0.0, -0.0, 0.1, 1e21, 1e-7, 5e-324, 1.7976931348623157e308,
                                      std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity()};
    switch (Below(3)) {
      case 0: {
        const uint64_t bits = rng_();
        double d;
        std::memcpy(&d, &bits, sizeof(d));
        return d;
      }
      case 1: return kSpecial[Below(10)];
      default: return static_cast<double>(Int64() % 100000000) / std::pow(10.0, Below(12));
    }
  }
  float Float() {
    switch (Below(3)) {
      case 0: {
        const uint32_t bits = static_cast<uint32_t>(rng_());
        float f;
        std::memcpy(&f, &bits, sizeof(f));
        return f;
      }
      case 1: return static_cast<float>(Double());
      default:
        return static_cast<float>(Below(2000001) - 1000000) / static_cast<float>(Below(1000) + 1);
    }
  }

  std::string Text(bool* invalid) {
    static const std::vector<std::string> kPieces = {
        "a", "Z", "0", " ", "hello world", "\"", "\\", "/", "<", ">", "&", "=", "'", "\n", "\t",
        "\r", "\b", "\f", std::string(1, '\0'), "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xc3\x9f",
        "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xc2\xad", "\xc2\x80", "\xc2\x9f", "\xc2\xa0",
        "\xe2\x80\xa8", "\xef\xbb\xbf", "\xf3\xa0\x80\x81", "\xf0\x9d\x85\xb3", "\xf4\x8f\xbf\xbf",
        "\xef\xbf\xbd", "\xd8\x80", "-12.3400", "2024-02-29"};
    // Each is followed by "x" below, so no two run together into a
    // well-formed sequence.
    static const std::vector<std::string> kInvalid = {
        "\x80", "\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "\xf8"};
    std::string text;
    for (int n = Below(8); n > 0; --n) {
      if (OneIn(3000)) {
        text += kInvalid[static_cast<size_t>(Below(static_cast<int>(kInvalid.size())))];
        text += 'x';
        *invalid = true;
      } else if (OneIn(6)) {
        uint32_t cp = static_cast<uint32_t>(Below(0x110000));
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
        text += Utf8(cp);
      } else {
        text += kPieces[static_cast<size_t>(Below(static_cast<int>(kPieces.size())))];
      }
    }
    return text;
  }

  std::string Bytes() {
    std::string bytes;
    for (int n = Below(10); n > 0; --n) bytes += static_cast<char>(rng_());
    return bytes;
  }

  void FillColumn(cdc::v1::Column* column, bool* invalid) {
    if (!OneIn(10)) column->set_name(Text(invalid));
    if (!OneIn(10)) column->set_type(Text(invalid));
    if (!OneIn(10)) FillValue(column->mutable_value(), 0, invalid);
  }

  void FillValue(cdc::v1::Value* v, int depth, bool* invalid) {
    switch (Below(25) + 1) {
      case 1: v->set_null(OneIn(2)); break;
      case 2: v->set_unchanged(OneIn(2)); break;
      case 3: v->set_bool_value(OneIn(2)); break;
      case 4: v->set_int_value(Int64()); break;
      case 5: v->set_uint_value(Uint64()); break;
      case 6: v->set_float_value(Float()); break;
      case 7: v->set_double_value(Double()); break;
      case 8: v->set_decimal_value(Text(invalid)); break;
      case 9: v->set_text_value(Text(invalid)); break;
      case 10: v->set_bytes_value(Bytes()); break;
      case 11: v->set_json_value(Text(invalid)); break;
      case 12: {
        auto* d = v->mutable_date_value();
        if (OneIn(2)) d->set_year(Int32());
        if (OneIn(2)) d->set_month(Uint32());
        if (OneIn(2)) d->set_day(Uint32());
        if (OneIn(3)) d->set_infinity(static_cast<cdc::v1::Infinity>(Below(5)));
        break;
      }
      case 13: {
        auto* t = v->mutable_time_value();
        if (OneIn(2)) t->set_micros(Int64());
        if (OneIn(2)) t->set_precision(Uint32());
        if (OneIn(2)) t->set_has_zone(true);
        if (OneIn(2)) t->set_utc_offset_seconds(Int32());
        break;
      }
      case 14: {
        auto* t = v->mutable_timestamp_value();
        if (OneIn(2)) t->set_epoch_micros(Int64());
        if (OneIn(2)) t->set_precision(Uint32());
        if (OneIn(2)) t->set_with_time_zone(true);
        if (OneIn(3)) t->set_infinity(static_cast<cdc::v1::Infinity>(Below(5)));
        if (OneIn(3)) t->set_zero(true);
        if (OneIn(3)) t->set_invalid_text(Text(invalid));
        break;
      }
      case 15: {
        auto* i = v->mutable_interval_value();
        if (OneIn(2)) i->set_months(Int32());
        if (OneIn(2)) i->set_days(Int32());
        if (OneIn(2)) i->set_micros(Int64());
        break;
      }
      case 16: v->set_uuid_value(Text(invalid)); break;
      case 17: v->set_inet_value(Text(invalid)); break;
      case 18: v->set_macaddr_value(Text(invalid)); break;
      case 19: v->set_bits_value(Text(invalid)); break;
      case 20: v->set_enum_value(Text(invalid)); break;
      case 21: {
        auto* set = v->mutable_set_value();
        for (int n = Below(4); n > 0; --n) set->add_labels(Text(invalid));
        break;
      }
      case 22: {
        auto* array = v->mutable_array_value();
        if (depth < 3) {
          for (int n = Below(4); n > 0; --n) FillValue(array->add_elements(), depth + 1, invalid);
        }
        break;
      }
      case 23: {
        auto* g = v->mutable_geometry_value();
        if (OneIn(2)) g->set_srid(Uint32());
        if (OneIn(2)) g->set_wkb(Bytes());
        break;
      }
      case 24: {
        auto* raw = v->mutable_raw_value();
        if (OneIn(2)) raw->set_text(Text(invalid));
        break;
      }
      default: {
        auto* error = v->mutable_error_value();
        if (OneIn(2)) error->set_message(Text(invalid));
        if (OneIn(2)) error->set_raw(Bytes());
        break;
      }
    }
  }

  std::mt19937_64 rng_;
};

// Every row of the binlog fixtures, decoded as `decode-binlog` and the live
// MySQL/MariaDB source decode them, handed to a callback. With `reuse`, as
// the live source builds them: the decoder writes each row straight into
// the event of the row before, recycled with its kept rows and values
// (agent/event_spares.h), across tables and files; without, each row is
// decoded into row images and moved into a new event (BuildRowEvent).
class FixtureRows {
 public:
  // Called with each row's event and key, and a label that names the row.
  using Visit = std::function<void(const cdc::v1::ChangeEvent& event, const cdc::v1::RowKey& key,
                                   const std::string& label)>;

  explicit FixtureRows(Visit visit, bool reuse = false)
      : visit_(std::move(visit)), reuse_(reuse) {}

  Status File(const std::string& path) {
    const std::string bytes = binlog::testing::ReadFileBytes(path);
    ctx_ = mysql::RowContext();
    ctx_.server_name = "fixture";
    ctx_.file = path.substr(path.find_last_of('/') + 1);
    tables_.clear();
    binlog::FileReader reader(bytes);
    binlog::EventDecoder decoder;
    CDC_RETURN_IF_ERROR(reader.Open());
    while (true) {
      auto next = reader.Next();
      if (!next.ok()) return next.status();
      if (!next->has_value()) break;
      auto event = decoder.Decode(**next);
      if (!event.ok()) return event.status();
      CDC_RETURN_IF_ERROR(Handle(*event));
      while (event->header.type == static_cast<uint8_t>(binlog::EventType::kTransactionPayload)) {
        auto inner = decoder.NextPayloadEvent();
        if (!inner.ok()) return inner.status();
        if (!inner->has_value()) break;
        CDC_RETURN_IF_ERROR(Handle(**inner));
      }
    }
    return Status::OK();
  }

  size_t rows() const { return rows_; }

 private:
  Status Handle(const binlog::Event& event) {
    const auto& body = event.body;
    if (const auto* fd = std::get_if<binlog::FormatDescription>(&body)) {
      ctx_.kind = mysql::KindOf(*fd);
    } else if (const auto* map = std::get_if<binlog::TableMap>(&body)) {
      Mapped& mapped = tables_[map->table_id];
      mapped.schema = binlog::SchemaFromTableMap(*map);
      // As the source: one shape per table while its columns stay the same.
      mapped.shape = mysql::KeepShape(mapped.schema, ctx_.kind,
                                      &shapes_[{mapped.schema.schema, mapped.schema.table}]);
    } else if (const auto* g = std::get_if<binlog::MysqlGtid>(&body)) {
      ctx_.gtid = g->anonymous ? "" : g->ToString();
      ctx_.event_index = 0;
    } else if (const auto* mg = std::get_if<binlog::MariaGtid>(&body)) {
      ctx_.gtid = mg->ToString();
      ctx_.event_index = 0;
    } else if (const auto* rows = std::get_if<binlog::RowsEvent>(&body)) {
      auto it = tables_.find(rows->table_id);
      if (it == tables_.end()) return Status::Corruption("rows event without a TABLE_MAP");
      ctx_.pos = event.header.log_pos;
      ctx_.commit_time_us = static_cast<int64_t>(event.header.timestamp) * 1000000;
      const binlog::TableSchema& schema = it->second.schema;
      if (reuse_) {
        // Whole rows of a table come back named by its shape (Keep), and
        // are refilled without a look at their names.
        const TableShapePtr& shape = it->second.shape;
        return mysql::DecodeRowEvents(
            *rows, schema, shape.get(), ctx_, &spares_,
            [&]() {
              recycled_.Clear();
              spares_.TakeFrom(&recycled_.spares);
              recycled_.table = shape;
              recycled_.rows_named_by_table = true;
              return &recycled_.event;
            },
            [&](cdc::v1::ChangeEvent* built) {
              cdc::v1::RowKey key;
              mysql::RowKeyOf(schema, *built, &key);
              Visited(*built, key);
              return Status::OK();
            });
      }
      return binlog::DecodeRows(*rows, schema, [&](binlog::RowChange& change) {
        cdc::v1::ChangeEvent fresh;
        cdc::v1::RowKey key;
        mysql::BuildRowEvent(schema, rows->kind, change, ctx_, &fresh, &key);
        Visited(fresh, key);
        return Status::OK();
      });
    }
    return Status::OK();
  }

  void Visited(const cdc::v1::ChangeEvent& event, const cdc::v1::RowKey& key) {
    ++ctx_.event_index;
    visit_(event, key, ctx_.file + " row " + std::to_string(rows_++));
  }

  Visit visit_;
  const bool reuse_;
  OutEvent recycled_;
  EventSpares spares_;
  mysql::RowContext ctx_;
  struct Mapped {
    binlog::TableSchema schema;
    TableShapePtr shape;
  };
  std::unordered_map<uint64_t, Mapped> tables_;
  std::map<std::pair<std::string, std::string>, TableShapePtr> shapes_;
  size_t rows_ = 0;
};

}  // namespace cdc::agent::testing
