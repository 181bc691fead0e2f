// Turns decoded binlog row changes into cdc.v1 change events: shared by the
// live MySQL/MariaDB source and `cdc-agent decode-binlog`.
//
// Pure: no I/O. Thread: whoever owns the decoder.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "agent/debezium_json.h"
#include "agent/event_spares.h"
#include "agent/table_shape.h"
#include "cdc/v1/change_event.pb.h"
#include "decoders/binlog/events.h"
#include "decoders/binlog/rows.h"

namespace cdc::agent::mysql {

// Where the row change sits in the binlog and in its transaction.
struct RowContext {
  cdc::v1::SourceKind kind = cdc::v1::SOURCE_KIND_MYSQL;
  std::string server_name;
  std::string file;
  uint64_t pos = 0;          // end position of the rows event
  std::string gtid;          // of the transaction; empty when none
  int64_t commit_time_us = 0;
  uint64_t event_index = 0;  // among the row events of the transaction
};

// Fills `src` for a change of `database`.`table` at `ctx`: kind, server
// name, database (also as schema), table, file, position, GTID, commit time
// and event index. With `spares`, a source without a position takes a kept
// one (agent/event_spares.h).
void FillSource(const RowContext& ctx, const std::string& database, const std::string& table,
                cdc::v1::Source* src, EventSpares* spares = nullptr);

// What kafka.format debezium-json shows of the table beyond its events:
// every column with its type, ENUM/SET labels and NOT NULL (`optional`
// false: the TABLE_MAP's null bit, information_schema's IS_NULLABLE, and
// the primary key's columns). Column defaults are not tracked.
DebeziumTableInfo DebeziumTableOf(const binlog::TableSchema& schema);

// The table as the dispatch stage sees it.
TableShapePtr ShapeOf(const binlog::TableSchema& schema, cdc::v1::SourceKind kind);

// True when `shape` describes `schema` as ShapeOf would.
bool ShapeMatches(const TableShape& shape, const binlog::TableSchema& schema);

// `*known` when it describes `schema` (ShapeMatches), else a new shape of
// it put there: one shape per table while its columns stay the same.
const TableShapePtr& KeepShape(const binlog::TableSchema& schema, cdc::v1::SourceKind kind,
                               TableShapePtr* known);

// Fills `out` (cleared first) for one row of a rows event. Columns absent
// from an image (minimal row images) are left out of it. Returns false when
// the table has no primary key or a key column is absent from the image the
// key is taken from (after for writes and updates, before for deletes);
// `key` is then cleared. A null `key` skips building it (returns false).
// With `spares`, the event's source block and values are kept ones where
// there are some.
bool BuildRowEvent(const binlog::TableSchema& schema, binlog::RowsKind kind,
                   binlog::RowChange& change, const RowContext& ctx, cdc::v1::ChangeEvent* out,
                   cdc::v1::RowKey* key, EventSpares* spares = nullptr);

// The rows of `rows` decoded straight into change events, each filled as
// BuildRowEvent fills one (without the key): for each row, `next_event`
// gives the event to fill (cleared here) and `on_event` is called with it
// once it is whole; a non-OK status from `on_event` stops the decoding and
// is returned. On a decoding error the event of the failed row is left
// half-filled and `on_event` is not called for it. `ctx` is read at the
// start of each row (`on_event` may advance its event_index). With
// `spares`, as BuildRowEvent. `names`, when not null, is the shape of
// `schema` (ShapeOf, or one ShapeMatches): whole images are filled as
// named by it (ColumnFill).
Status DecodeRowEvents(const binlog::RowsEvent& rows, const binlog::TableSchema& schema,
                       const TableShape* names, const RowContext& ctx, EventSpares* spares,
                       const std::function<cdc::v1::ChangeEvent*()>& next_event,
                       const std::function<Status(cdc::v1::ChangeEvent*)>& on_event);

// The row key of an event BuildRowEvent or DecodeRowEvents filled from
// `schema`, as BuildRowEvent returns it.
bool RowKeyOf(const binlog::TableSchema& schema, const cdc::v1::ChangeEvent& event,
              cdc::v1::RowKey* key);

// For an UPDATE event built by BuildRowEvent (key in `key`) that moved the
// row to another primary key, with the whole key in both images and every
// column in the after image: turns `update` into the DELETE of the old key
// (`key` becomes the old key) and fills `insert` and `insert_key` with the
// INSERT of the new one, so that a compacted topic keeps no row under the
// old key. Returns false, changing nothing, for any other event.
bool SplitKeyChange(const binlog::TableSchema& schema, cdc::v1::ChangeEvent* update,
                    cdc::v1::RowKey* key, cdc::v1::ChangeEvent* insert,
                    cdc::v1::RowKey* insert_key);

// The commit time of the transaction a GTID event opens, in microseconds
// since the epoch: MySQL 8 stamps its GTID event with the commit time in
// microseconds, on the server where the transaction first committed
// (original_commit_timestamp, preferred: freshness across a replication
// chain) and on this one (immediate); older MySQL only with the event's
// whole second. MariaDB writes its GTID event at commit, stamped with the
// commit's whole second (its row events carry their statements' times).
int64_t CommitTimeUs(const binlog::MysqlGtid& gtid, const binlog::EventHeader& header);
int64_t CommitTimeUs(const binlog::MariaGtid& gtid, const binlog::EventHeader& header);

// The commit time of a row event's transaction: `txn_commit_time_us` from its
// GTID event when known (not 0), else the rows event's own whole second (MySQL
// 5.6 without GTIDs).
inline int64_t RowCommitTimeUs(int64_t txn_commit_time_us, const binlog::EventHeader& header) {
  return txn_commit_time_us != 0 ? txn_commit_time_us
                                 : static_cast<int64_t>(header.timestamp) * 1000000;
}

// kind from a FORMAT_DESCRIPTION server version ("...MariaDB..." or not).
cdc::v1::SourceKind KindOf(const binlog::FormatDescription& format);

}  // namespace cdc::agent::mysql
