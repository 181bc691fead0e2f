// EventSpares: the sub-messages of a recycled event (agent/batch.h,
// EventPool) that protobuf's Clear would free or empty, kept for the source
// that fills the next event: its rows of columns whole (each column with its
// name, type and cleared value), more columns' values, the source block and
// its position. Without them a steady stream allocates and frees these
// objects for every change, and sets every column's name and type again.
//
// A kept message is cleared before it is kept, so a message handed out
// again is indistinguishable from a new one; only its memory is older. Three
// exceptions, for the work a refill would otherwise do again: a kept source
// block keeps its strings (server name, database, schema, table; a MySQL
// position its file and GTID), which its filler sets on every event where
// they differ; a kept column keeps its name and type (ColumnFill sets them
// where they differ, and removes the columns a row does not use), and a
// kept column's value keeps its case, emptied (EmptyValue), or, for a
// scalar case (null, unchanged, bool, integers, floats) and a decimal,
// text, bytes or JSON string of at most 1 KiB, as it was. A filler sets one case on every value
// it is given, as the decoders do (pgoutput::TextToValue, the binlog row
// decoder), which replaces a scalar whole, and writes one of those strings
// whole (assign, or clear first): through mutable_*() it reuses the string
// of a value of the same case. tests/unit/value_reuse.h holds the values a
// filler may get; the converters' tests refill each of them.
//
// Thread: not thread-safe. An event's spares travel with the event from the
// encoder thread back to the source's reader thread (EventPool).
#pragma once

#include <cassert>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "agent/table_shape.h"
#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {

using Columns = google::protobuf::RepeatedPtrField<cdc::v1::Column>;

class EventSpares {
 public:
  // At most this many values are kept; more are freed.
  static constexpr size_t kMaxValues = 4096;
  // And this many source blocks, and as many positions of each kind: a
  // filler needs one of each per event, and gets one back per event.
  static constexpr size_t kMaxSources = 64;
  // And this many rows of columns (an event has up to two), each of at most
  // kMaxRowColumns columns (the values of a longer one are kept instead).
  static constexpr size_t kMaxColumnRows = 64;
  static constexpr int kMaxRowColumns = 64;
  // TakeFrom gives `other` back this many empty holders of rows.
  static constexpr size_t kHoldersPerEvent = 2;

  // Spares are memory, not content: a copy of an event starts without any.
  EventSpares() = default;
  EventSpares(const EventSpares&) {}
  EventSpares& operator=(const EventSpares&) { return *this; }
  EventSpares(EventSpares&&) noexcept = default;
  EventSpares& operator=(EventSpares&&) noexcept = default;

  // Takes from `event` the messages its Clear would free and keeps them,
  // cleared but for what the comment at the top says. Call just before
  // `event->Clear()`. `named_by`, when not null:
  // each row of `event` with as many columns as it holds its columns, in
  // its order, named and typed as it names them (ColumnFill filled it with
  // that shape and nothing changed it since); such a row, kept, is refilled
  // for the same shape without a look at its names.
  void Keep(cdc::v1::ChangeEvent* event, const TableShape* named_by = nullptr);

  // Moves what `other` keeps into this one, up to the bounds, and gives
  // `other` up to kHoldersPerEvent empty holders for the rows its event
  // keeps next (Keep swaps a row into one).
  void TakeFrom(EventSpares* other);

  // Swaps a kept row of columns into `columns`, which must be empty, and
  // keeps what it held; false when none is kept. With `named_by`, a row
  // kept as named by that shape (Keep) is preferred among the last few
  // kept, and `*named` says whether the row taken is one. ColumnFill calls
  // it.
  bool TakeColumns(Columns* columns, const TableShape* named_by = nullptr,
                   bool* named = nullptr);
  // Keeps `column`'s value, which it no longer has then.
  void KeepValueOf(cdc::v1::Column* column);

  // `column`'s value: its own, else a kept one set on it, else a new one.
  // The fillers call it on columns just added to a cleared event, which
  // have no value of their own.
  cdc::v1::Value* ValueOf(cdc::v1::Column* column);

  // `event`'s source block, set from a kept one when the event has none:
  // cleared but for its server_name, database, schema and table, which the
  // caller sets (where they differ: setting a string copies it).
  cdc::v1::Source* SourceOf(cdc::v1::ChangeEvent* event);

  // `source`'s MySQL or PostgreSQL position, likewise (a MySQL position
  // keeps its file and gtid, which the caller sets).
  cdc::v1::MysqlPosition* MysqlOf(cdc::v1::Source* source);
  cdc::v1::PostgresPosition* PostgresOf(cdc::v1::Source* source);

  size_t values() const { return values_.size(); }
  size_t column_rows() const { return column_rows_.size(); }
  size_t sources() const { return sources_.size(); }
  size_t positions() const { return mysql_.size() + postgres_.size(); }

 private:
  void KeepValue(cdc::v1::Value* value);  // takes ownership
  void KeepSource(cdc::v1::Source* source);

  // A row of columns kept whole: filled, values emptied (scalars and short
  // strings as they were); `named_by` the serial of the shape Keep was
  // given, for a row that many columns wide, else 0. A serial, not the
  // shape: the row does not keep the shape alive, and a shape freed and
  // another built at its address cannot pass for it.
  struct KeptRow {
    std::unique_ptr<Columns> columns;
    uint64_t named_by = 0;  // the shape's serial; 0: none
  };
  // How many of the last kept rows TakeColumns looks through for one named
  // by the shape it is asked for.
  static constexpr size_t kNamedLookback = 8;

  std::vector<KeptRow> column_rows_;
  std::vector<std::unique_ptr<Columns>> holders_;      // empty, to swap rows with
  std::vector<std::unique_ptr<cdc::v1::Value>> values_;
  std::vector<std::unique_ptr<cdc::v1::Source>> sources_;
  std::vector<std::unique_ptr<cdc::v1::MysqlPosition>> mysql_;
  std::vector<std::unique_ptr<cdc::v1::PostgresPosition>> postgres_;
};

namespace internal {

// Whether the sizeof(Word) bytes at `x` and `y` are the same.
template <typename Word>
bool SameWord(const char* x, const char* y) {
  Word a, b;
  std::memcpy(&a, x, sizeof(Word));
  std::memcpy(&b, y, sizeof(Word));
  return a == b;
}

// Whether the first and the last sizeof(Word) bytes of `x` and `y` (of
// `n` bytes, sizeof(Word) <= n <= 2 * sizeof(Word)) are the same: all of
// them, the two loads overlapping.
template <typename Word>
bool SameEnds(const char* x, const char* y, size_t n) {
  return SameWord<Word>(x, y) && SameWord<Word>(x + n - sizeof(Word), y + n - sizeof(Word));
}

}  // namespace internal

// Whether two strings are equal, without a call for the lengths names,
// types and a source block's strings mostly have (up to 64 bytes): the
// fillers compare a kept string with the one to set before setting it.
inline bool SameText(const std::string& a, const std::string& b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (n > 16) {
    if (n > 64) return std::memcmp(x, y, n) == 0;
    // Whole words, then the last one (overlapping the one before).
    for (size_t i = 0; i + 8 < n; i += 8) {
      if (!internal::SameWord<uint64_t>(x + i, y + i)) return false;
    }
    return internal::SameWord<uint64_t>(x + n - 8, y + n - 8);
  }
  if (n >= 8) return internal::SameEnds<uint64_t>(x, y, n);
  if (n >= 4) return internal::SameEnds<uint32_t>(x, y, n);
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return false;
  }
  return true;
}

// Empties `value` for its next fill but keeps the memory of its case: a
// string case keeps its string (empty), a message case its message
// (cleared); a scalar case is cleared as Clear does, and so is a value
// whose string holds more than 1 KiB or whose array or set more than 16
// elements (their memory is freed). Setting a case reads as on a new
// value; reading `value` before that shows the emptied case.
void EmptyValue(cdc::v1::Value* value);

// Fills one row of an event being filled, column after column: a kept row
// when the row starts empty (its columns are reused as they are, with their
// name and type strings), new columns past it. Each Next gives the next
// column with `name` and `type` and an empty value; at the end (Done, or
// the destructor, also on an error) the kept columns not given are removed.
class ColumnFill {
 public:
  // `spares` may be null: then columns are added as protobuf adds them.
  // `names`, when not null: this fill gives every column of that shape, in
  // its order, with its name and type; a kept row that shape named
  // (EventSpares::Keep) is then refilled without comparing them.
  ColumnFill(Columns* columns, EventSpares* spares, const TableShape* names = nullptr);
  ~ColumnFill() { Done(); }
  ColumnFill(const ColumnFill&) = delete;
  ColumnFill& operator=(const ColumnFill&) = delete;

  // The next column and its value: empty (EmptyValue), without a case, or
  // the scalar or short string of a row before; the caller sets one case on
  // it, writing a string whole.
  cdc::v1::Value* Next(const std::string& name, const std::string& type) {
    if (named_ && used_ < columns_->size()) {
      // A kept column, named as this fill names it (the filler's promise,
      // checked in debug builds), most often with its value.
      cdc::v1::Column* column = columns_->Mutable(used_++);
      assert(column->name() == name && column->type() == type);
      return column->has_value() ? column->mutable_value() : spares_->ValueOf(column);
    }
    return NextToName(name, type);
  }
  // Ends the row; later calls do nothing. Call it before moving the row.
  void Done();

 private:
  // Next for a column whose name and type may differ from the ones given.
  cdc::v1::Value* NextToName(const std::string& name, const std::string& type);

  Columns* columns_;
  EventSpares* spares_;
  int used_ = 0;
  // The kept row holds the columns of the `names` shape, with their names
  // and types: Next sets none on them.
  bool named_ = false;
  bool done_ = false;
};

}  // namespace cdc::agent
