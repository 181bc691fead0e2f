// TableShape: what the dispatch stage knows of a captured table as it is
// now. Each source builds one when it learns a table's columns (PostgreSQL:
// a Relation message or a snapshot's catalog read; MySQL/MariaDB: a
// TABLE_MAP with the schema history, or a snapshot's information_schema
// read) and every event of that table points at it, so the stage after the
// sources names topics, builds keys and compiles transforms once per shape,
// not per event. Immutable once built; shared between threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {

// A number no other shape has had in this process; a copy of a shape, or a
// shape assigned another's content, gets a new one. What remembers a shape
// past its life (EventSpares' kept rows) remembers it by this number, which
// a shape built later at the same address does not have.
class ShapeSerial {
 public:
  ShapeSerial() : value_(Next()) {}
  ShapeSerial(const ShapeSerial&) : value_(Next()) {}
  ShapeSerial& operator=(const ShapeSerial&) {
    value_ = Next();
    return *this;
  }
  uint64_t value() const { return value_; }

 private:
  static uint64_t Next() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t value_;
};

// The columns of a shape whose values its source sets to nothing but a
// scalar (null, a number, a flag) whenever it fills a whole row of the
// shape in its order: a row kept as named by the shape (EventSpares::Keep)
// needs no look at those values, which the next fill replaces whole. Not
// inherited: a copy of a shape, or a shape assigned another's content,
// knows none (its columns may be others).
class ScalarColumns {
 public:
  ScalarColumns() = default;
  ScalarColumns(const ScalarColumns&) {}
  ScalarColumns& operator=(const ScalarColumns&) {
    scalar_.clear();
    others_.clear();
    known_ = false;
    return *this;
  }

  // `scalar[i]`: column i is one of them.
  void Set(std::vector<bool> scalar) {
    scalar_ = std::move(scalar);
    others_.clear();
    for (size_t i = 0; i < scalar_.size(); ++i) {
      if (!scalar_[i]) others_.push_back(static_cast<uint32_t>(i));
    }
    known_ = true;
  }
  bool known() const { return known_; }
  // Whether they are known and are these.
  bool Are(const std::vector<bool>& scalar) const { return known_ && scalar_ == scalar; }
  // The indexes of the columns that are not, in order; null when not known.
  const std::vector<uint32_t>* others() const { return known_ ? &others_ : nullptr; }

 private:
  std::vector<bool> scalar_;
  std::vector<uint32_t> others_;
  bool known_ = false;
};

struct TableShape {
  struct Column {
    std::string name;
    // The type as the events spell it in Column.type ("int4",
    // "varchar(20)", "decimal(10,2)").
    std::string type;
  };

  cdc::v1::SourceKind kind = cdc::v1::SOURCE_KIND_UNSPECIFIED;
  // PostgreSQL: the schema; MySQL/MariaDB: the database.
  std::string schema;
  std::string table;
  std::vector<Column> columns;  // in table order
  // Indexes into `columns` of the Kafka key, in key order; empty: the table
  // has no key and its messages get a null key.
  std::vector<size_t> key;
  // This shape's own, never 0 (see ShapeSerial).
  ShapeSerial serial;
  // Set by a source that knows them (MySQL/MariaDB binlog rows).
  ScalarColumns scalar_columns;
};

using TableShapePtr = std::shared_ptr<const TableShape>;

inline bool SameShape(const TableShape& a, const TableShape& b) {
  if (a.kind != b.kind || a.schema != b.schema || a.table != b.table || a.key != b.key ||
      a.columns.size() != b.columns.size()) {
    return false;
  }
  for (size_t i = 0; i < a.columns.size(); ++i) {
    if (a.columns[i].name != b.columns[i].name || a.columns[i].type != b.columns[i].type) {
      return false;
    }
  }
  return true;
}

// The position in `image` of column `index` of `shape`: that index when the
// image holds every column in table order, else found by name; -1 when the
// image lacks it.
inline int FindColumnIndex(const TableShape& shape, size_t index,
                           const google::protobuf::RepeatedPtrField<cdc::v1::Column>& image) {
  if (index >= shape.columns.size()) return -1;
  const std::string& name = shape.columns[index].name;
  const int size = image.size();
  if (static_cast<int>(index) < size && image[static_cast<int>(index)].name() == name) {
    return static_cast<int>(index);
  }
  for (int i = 0; i < size; ++i) {
    if (image[i].name() == name) return i;
  }
  return -1;
}

inline const cdc::v1::Column* FindColumn(
    const TableShape& shape, size_t index,
    const google::protobuf::RepeatedPtrField<cdc::v1::Column>& image) {
  const int i = FindColumnIndex(shape, index, image);
  return i < 0 ? nullptr : &image[i];
}

}  // namespace cdc::agent
