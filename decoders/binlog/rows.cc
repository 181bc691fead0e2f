// Row images of rows events; see rows.h for the layout.
#include "decoders/binlog/rows.h"

#include "decoders/binlog/json_doc.h"
#include "decoders/binlog/values_internal.h"

namespace cdc::binlog {
namespace {

constexpr uint64_t kPartialJsonUpdates = 1;  // binlog_row_value_options=PARTIAL_JSON

class RowDecoder {
 public:
  RowDecoder(const RowsEvent& event, const TableSchema& schema)
      : event_(event), schema_(schema), reader_(event.rows) {
    if (event.kind == RowsKind::kPartialUpdate) {
      before_json_.resize(schema.columns.size());
      json_ordinal_.resize(schema.columns.size());
    }
    size_t json = 0;
    for (size_t i = 0; i < json_ordinal_.size(); ++i) {
      json_ordinal_[i] = json;
      json += schema.columns[i].type == kTypeJson ? 1 : 0;
    }
    json_columns_ = json;
  }

  Status Run(RowTarget* target) {
    const size_t n = schema_.columns.size();
    if (event_.column_count != n) {
      return Status::Corruption(Prefix() + ": the rows event has " +
                                std::to_string(event_.column_count) + " columns, the schema " +
                                std::to_string(n));
    }
    const bool has_before = event_.kind != RowsKind::kWrite;
    const bool has_after = event_.kind != RowsKind::kDelete;
    // A WRITE event has one bitmap; the event parser may file it under either name.
    const std::vector<bool>& after_columns =
        event_.kind == RowsKind::kWrite && event_.columns_after.empty() ? event_.columns_before
                                                                        : event_.columns_after;
    if ((has_before && event_.columns_before.size() < n) ||
        (has_after && after_columns.size() < n)) {
      return Status::Corruption(Prefix() + ": column bitmap shorter than " + std::to_string(n) +
                                " columns");
    }
    // The columns each image carries, the same for every row of the event.
    std::vector<uint32_t> before_present;
    std::vector<uint32_t> after_present;
    for (uint32_t i = 0; i < n; ++i) {
      if (has_before && event_.columns_before[i]) before_present.push_back(i);
      if (has_after && after_columns[i]) after_present.push_back(i);
    }
    for (row_ = 0; !reader_.empty(); ++row_) {
      for (auto& json : before_json_) json = BeforeJson();
      const size_t row_start = reader_.offset();
      target->BeginRow();
      if (has_before) CDC_RETURN_IF_ERROR(Image(false, before_present, target));
      if (has_after) CDC_RETURN_IF_ERROR(Image(true, after_present, target));
      if (reader_.offset() == row_start) {
        // A row of no columns takes no bytes: the rest could never be read.
        return Status::Corruption(Prefix() + ": row " + std::to_string(row_) + " at offset " +
                                  std::to_string(row_start) +
                                  " has no columns but bytes follow it");
      }
      CDC_RETURN_IF_ERROR(target->EndRow());
    }
    return Status::OK();
  }

 private:
  std::string Prefix() const { return "table " + schema_.schema + "." + schema_.table; }

  std::string Where(bool after) const {
    return Prefix() + " row " + std::to_string(row_) + (after ? " (after image)" : " (before image)");
  }

  Status Fail(bool after, const std::string& what) const {
    return Status::Corruption(Where(after) + ": " + what);
  }

  Status Image(bool after, const std::vector<uint32_t>& present, RowTarget* target) {
    const bool partial_event = event_.kind == RowsKind::kPartialUpdate;
    std::string_view partial_bits;
    if (after && partial_event) {
      size_t at = reader_.offset();
      uint64_t options;
      if (!reader_.ReadLengthEncoded(&options)) {
        return Fail(after, "truncated value options at offset " + std::to_string(at));
      }
      if ((options & kPartialJsonUpdates) != 0 &&
          !reader_.ReadBytes((json_columns_ + 7) / 8, &partial_bits)) {
        return Fail(after, "truncated partial-JSON bitmap at offset " + std::to_string(at));
      }
    }
    std::string_view nulls;
    const size_t nulls_at = reader_.offset();
    if (!reader_.ReadBytes((present.size() + 7) / 8, &nulls)) {
      return Fail(after, "truncated null bitmap at offset " + std::to_string(nulls_at));
    }
    slots_.resize(present.size());
    target->BeginImage(after, present, slots_.data());
    for (size_t k = 0; k < present.size(); ++k) {  // k: index among present columns
      const size_t i = present[k];
      const ColumnSchema& column = schema_.columns[i];
      cdc::v1::Value* value = slots_[k];
      if (Bit(nulls, k)) {
        value->set_null(true);
        if (!after && !before_json_.empty()) before_json_[i].state = BeforeJson::kNull;
        continue;
      }
      if (partial_event && column.type == kTypeJson) {
        const size_t start = reader_.offset();
        ByteReader peek = reader_;
        std::string_view raw;
        if (internal::ReadLengthPrefixed(&peek, column.meta, &raw)) {
          if (!partial_bits.empty() && Bit(partial_bits, json_ordinal_[i])) {
            reader_ = peek;
            CDC_RETURN_IF_ERROR(ApplyPartial(i, start, raw, value).WithContext(Where(after)));
            continue;
          }
          if (!after) before_json_[i] = {BeforeJson::kPresent, raw};
        }
      }
      // Integers and VARCHARs, most of most rows, with fewer calls;
      // anything else, and a value cut short (for its error), through
      // DecodeValue.
      if (internal::ReadCommonColumn(column, &reader_, value)) continue;
      Status s = DecodeValue(column, &reader_, value);
      if (!s.ok()) return s.WithContext(Where(after));
    }
    return Status::OK();
  }

  Status ApplyPartial(size_t i, size_t at, std::string_view diffs, cdc::v1::Value* out) {
    const ColumnSchema& column = schema_.columns[i];
    if (before_json_[i].state == BeforeJson::kNull) {
      // The server writes a diff only against a stored document, never NULL.
      return internal::ValueError(column, at, "partial JSON update of a NULL before image");
    }
    if (before_json_[i].state == BeforeJson::kAbsent) {
      // Without the document the diff cannot be applied, but the rest of the
      // event is sound: the row goes on, carrying the diff and the reason.
      auto* error = out->mutable_error_value();
      error->set_message("JSON partial update of column " + column.name +
                         " cannot be applied: the before image does not carry it (set "
                         "binlog_row_image=FULL)");
      error->set_raw(diffs.data(), diffs.size());
      return Status::OK();
    }
    json::Node doc;
    std::string_view before = before_json_[i].bytes;
    if (before.empty()) {
      doc.scalar = "null";
    } else {
      Result<json::Node> parsed = json::ParseBinary(before);
      if (!parsed.ok()) return internal::ValueError(column, at, parsed.status().message());
      doc = std::move(parsed).value();
    }
    Status s = json::ApplyDiffs(diffs, &doc);
    if (!s.ok()) return internal::ValueError(column, at, s.message());
    std::string* text = out->mutable_json_value();
    text->clear();
    json::Print(doc, text);
    return Status::OK();
  }

  static bool Bit(std::string_view bits, size_t i) {
    return i / 8 < bits.size() && ((static_cast<uint8_t>(bits[i / 8]) >> (i % 8)) & 1) != 0;
  }

  const RowsEvent& event_;
  const TableSchema& schema_;
  ByteReader reader_;
  size_t row_ = 0;
  size_t json_columns_ = 0;
  // PARTIAL_UPDATE_ROWS: each column's index among the table's JSON columns.
  std::vector<size_t> json_ordinal_;
  // PARTIAL_UPDATE_ROWS: the current row's before-image JSON per column.
  struct BeforeJson {
    enum State { kAbsent, kNull, kPresent } state = kAbsent;
    std::string_view bytes;
  };
  std::vector<BeforeJson> before_json_;
  // The values the target gives for the image being decoded.
  std::vector<cdc::v1::Value*> slots_;
};

// RowChange images filled through RowTarget, for the callback form.
class ImageTarget final : public RowTarget {
 public:
  ImageTarget(const RowsEvent& event, size_t n, const std::function<Status(RowChange&)>& on_row)
      : n_(n), on_row_(on_row) {
    if (event.kind != RowsKind::kWrite) change_.before.values.resize(n);
    if (event.kind != RowsKind::kDelete) change_.after.values.resize(n);
  }

  void BeginRow() override {}

  void BeginImage(bool after, const std::vector<uint32_t>& present,
                  cdc::v1::Value** slots) override {
    RowImage* image = after ? &change_.after : &change_.before;
    image->present.assign(n_, false);
    image->values.resize(n_);
    for (size_t k = 0; k < present.size(); ++k) {
      image->present[present[k]] = true;
      slots[k] = &image->values[present[k]];
    }
  }

  Status EndRow() override {
    for (RowImage* image : {&change_.before, &change_.after}) {
      for (size_t i = 0; i < image->present.size() && i < image->values.size(); ++i) {
        if (!image->present[i]) image->values[i].Clear();  // absent: unset
      }
    }
    return on_row_(change_);
  }

 private:
  const size_t n_;
  const std::function<Status(RowChange&)>& on_row_;
  RowChange change_;
};

}  // namespace

Status DecodeRows(const RowsEvent& event, const TableSchema& schema, RowTarget* target) {
  RowDecoder decoder(event, schema);
  return decoder.Run(target);
}

Status DecodeRows(const RowsEvent& event, const TableSchema& schema,
                  const std::function<Status(RowChange&)>& on_row) {
  ImageTarget target(event, schema.columns.size(), on_row);
  return DecodeRows(event, schema, &target);
}

}  // namespace cdc::binlog
