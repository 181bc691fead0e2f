// Debezium's JSON form of a change event: the message key and value that
// Debezium 3.x's PostgreSQL, MySQL and MariaDB connectors write with their
// default settings through Kafka Connect's JsonConverter, so that consumers
// built on Debezium (Kafka Connect sinks, Flink debezium-json, ksqlDB) can
// read cdc-agent's topics.
//
// Reference: Debezium 3.6.1.Final (Debezium Server, Kafka sink, JsonConverter
// with schemas.enable true and false), captured against PostgreSQL 15 and
// MariaDB 10.11; tests/data/debezium/ holds the captured messages and the SQL
// and configuration that produced them. Rows marked (docs) below were taken
// from the connector documentation only (no MySQL server was at hand).
//
// Envelope (value): {"before","after","source","transaction":null,"op",
// "ts_ms","ts_us","ts_ns"}, op c/u/d/r/t. The schema names are
// "<name>.<schema|db>.<table>.Envelope" (version 2), ".Value" and ".Key";
// <name> is DebeziumOptions::logical_name or else Source.server_name
// (Debezium's topic.prefix). Key: a struct of the key columns in key order.
//
// Column mapping (defaults: decimal.handling.mode=precise,
// time.precision.mode=adaptive (PostgreSQL) / adaptive_time_microseconds
// (MySQL), binary.handling.mode=bytes, interval.handling.mode=numeric,
// hstore.handling.mode=json, bigint.unsigned.handling.mode=long):
//
//   PostgreSQL type          schema type, name                 JSON value
//   bool                     boolean                            true
//   int2 / int4 / int8, oid  int16 / int32 / int64              number
//   float4 / float8          float / double                     Java's Float/Double.toString
//                                                               ("1.0E-7"), "NaN", "Infinity"
//   numeric(p,s)             bytes Decimal {scale,              base64 of the big-endian two's
//                            connect.decimal.precision}         complement unscaled value;
//                                                               NaN, +-Infinity: null
//   numeric (no scale)       struct VariableScaleDecimal        {"scale":s,"value":base64},
//                            {scale int32, value bytes}         trailing zeros stripped
//   money                    bytes Decimal {scale: 2}           as numeric(,2)
//   text, varchar, bpchar,   string                             the text (bpchar padded)
//   "char", name, citext
//   bytea                    bytes                              base64
//   uuid / json, jsonb /     string Uuid / Json / Xml / Ltree   the text
//   xml / ltree / tsvector   / Tsvector
//   hstore                   string Json                        JSON object, keys in the order
//                                                               of Java's HashMap
//   date                     int32 io.debezium.time.Date        days; +-infinity: -2147472692 /
//                                                               -2147472691 (as Debezium streams)
//   time(0..3) / time(4..6)  int32 Time / int64 MicroTime       ms / us past midnight
//   timetz                   string ZonedTime                   "06:30:00.5Z" (UTC)
//   timestamp(0..3)/(4..6)   int64 Timestamp / MicroTimestamp   ms / us; +-infinity:
//                                                               +9223372036825200000,
//                                                               -9223372036832400000 (us; /1000 ms)
//   timestamptz(p)           string ZonedTimestamp              "2024-03-10T07:04:56.789000Z",
//                                                               fraction padded to p digits;
//                                                               "infinity", "-infinity"
//   interval                 int64 MicroDuration                months as 30.4375 days, in
//                                                               doubles as Debezium computes
//   inet, cidr, macaddr(8),  string                             the text
//   int4range .. daterange
//   bit(1), varbit(1)        boolean
//   bit(n), varbit(n)        bytes Bits {length}                little-endian bytes, up to the
//                                                               highest set bit (varbit: length
//                                                               2147483647 unless known)
//   enum types               string Enum {allowed}              the label
//   point                    struct Point {x,y,wkb,srid}        srid null
//   domains                  as the base type (DebeziumColumnInfo::type), else by value kind
//   arrays (_int4, ...)      array of the element schema,       [..] with null elements;
//                            items optional (enum: required)    nested arrays: null each
//   _bit, _varbit            the element's scalar schema        null (as Debezium)
//   pg_lsn, _money, _name,   left out of the row, as Debezium does
//   _interval, _xml, _point,
//   _refcursor, _varbit
//
//   MySQL / MariaDB type     schema type, name                 JSON value
//   tinyint, smallint,       int16                              number (tinyint(1) too)
//   tinyint unsigned
//   smallint unsigned,       int32
//   mediumint (unsigned), int
//   int unsigned, bigint     int64
//   bigint unsigned          int64                              wraps: 18446744073709551615 -> -1
//   float / double           float / double                     as PostgreSQL
//   decimal(p,s)             bytes Decimal {scale, precision}   base64 unscaled
//   bit(1) / bit(n)          boolean / bytes Bits {length}      little-endian, ceil(n/8) bytes
//   year                     int32 io.debezium.time.Year        the year; the zero year: 1900
//   date                     int32 Date                         days; zero parts: null
//   time(n)                  int64 MicroTime                    signed us
//   datetime(0..3) / (4..6)  int64 Timestamp / MicroTimestamp   wall clock ms / us; zero: null
//   timestamp(n)             string ZonedTimestamp              UTC, fraction padded to n;
//                                                               zero: null
//   char .. longtext         string                             the text
//   binary .. longblob       bytes                              base64
//   enum / set               string Enum / EnumSet {allowed}    "b" / "x,z"
//   json                     string Json (MySQL); string        the JSON text
//                            (MariaDB: a LONGTEXT)
//   point / other geometry   struct Point / Geometry {wkb,srid} srid 0: null
//   vector (docs, unsure)    array FloatVector of float         the floats
//   MariaDB uuid, inet4/6    bytes                              (Debezium cannot parse them)
//
// Values of any type: NULL -> null; PostgreSQL's unchanged TOAST value ->
// unavailable_value_placeholder ("__debezium_unavailable_value") in the
// column's form: the string, its bytes, ["..."] for _text/_varchar/_json/
// _jsonb, its bytes as numbers for _int4/_int8/_date, null for other types
// (unsure). ValueError -> null. A type not listed is mapped by its value kind
// (int -> int64, decimal -> VariableScaleDecimal (PostgreSQL) or Decimal,
// text/raw text -> string, ...); a null value of such a type is a string.
//
// Source block: PostgreSQL {version, connector "postgresql", name, ts_ms,
// snapshot, db, sequence, ts_us, ts_ns, schema, table, txId, lsn, xmin,
// origin, origin_lsn}; MySQL/MariaDB {version, connector "mysql"/"mariadb",
// name, ts_ms, snapshot, db, sequence, ts_us, ts_ns, table, server_id, gtid,
// file, pos, row, thread, query}. ts_* are the commit time; snapshot is
// "true" or "false".
//
// Where the output differs from Debezium's, knowingly:
// - Debezium writes the processing time in the envelope's ts_*; this module
//   writes DebeziumOptions::processing_time_us, or the commit time.
// - snapshot: Debezium marks the first and last rows ("first", "last",
//   "last_in_data_collection"); an event alone cannot say, so "true".
// - PostgreSQL sequence: "[null,\"<lsn>\"]" (Debezium's first element, the
//   previous transaction's commit LSN, is not carried). txId 0: null.
// - MySQL pos is the end of the rows event (Debezium: its start); row is the
//   event's index in its transaction (Debezium: in its rows event);
//   server_id is read from a MariaDB GTID, 0 for MySQL; snapshot rows have
//   gtid null and server_id 0, as in Debezium.
// - PostgreSQL name columns: Debezium streams null (its snapshot has the
//   text); this module writes the text. A numeric[] with a NaN element:
//   Debezium writes null for the whole array, this module null elements.
// - Without DebeziumOptions::tables, a delete's before image has only the
//   columns the event carries (Debezium: every column, null when unknown),
//   numeric has no declared scale (VariableScaleDecimal), enum/set schemas
//   have no "allowed", varbit has length 2147483647, domains map by value
//   kind and NOT NULL columns are optional. "default" is never written, and
//   a NULL stays null (JsonConverter writes the column's default instead).
// - Debezium's snapshot (JDBC) differs from its own streaming for old dates
//   (Julian calendar before 1582) and infinite dates; this module follows
//   its streaming form there. MySQL TIMESTAMP fractions follow each: the
//   fewest digits in snapshot rows, the column's in streamed ones.
// - A PostgreSQL timestamp past int64 epoch microseconds is null
//   (timestamptz, as ISO text, keeps it).
// - TRUNCATE: Debezium skips it by default (skipped.operations=t); this
//   module renders op "t" with a null key, as Debezium does when told to
//   publish it; the caller decides. Debezium also writes a tombstone after
//   deletes of tables without a key (null key); that is the sink's choice.
// - source ts_* are the event's commit time. For MariaDB that is the binlog
//   header's whole seconds, as in Debezium; for MySQL 8 it has the GTID's
//   microseconds, where Debezium may show whole seconds (unsure).
//
// Performance: output is appended directly, no JSON tree; about 15 us for an
// 80-column row without schemas on this project's 2-core machine (the
// schema, when enabled, is rebuilt per event and about doubles that).
//
// Thread: pure functions, safe from any thread; DebeziumOptions::tables is
// called on the calling thread, must outlive the call and must not call
// back into this module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {

// What the events do not carry about a column but Debezium's schema shows.
struct DebeziumColumnInfo {
  std::string name;
  // The type to map by, in the event's Column.type spelling ("numeric",
  // "decimal(10,2)", "_int4"); for a PostgreSQL domain, its base type. It
  // also types the columns an event lacks (a delete's key-only before
  // image, TRUNCATE). Empty: the event's own Column.type.
  std::string type;
  // numeric/decimal precision, the fractional digits of time/timestamp
  // types, bit(n)/varbit(n) length; -1 when not declared.
  int32_t length = -1;
  // numeric/decimal scale; -1 when not declared (PostgreSQL numeric without
  // a scale is a VariableScaleDecimal).
  int32_t scale = -1;
  // False for NOT NULL columns.
  bool optional = true;
  // ENUM/SET labels in declaration order (Debezium's "allowed").
  std::vector<std::string> allowed;
  // The column default as Debezium's schema "default" shows it (a JSON
  // literal in the column's Debezium form), empty for none.
  std::string default_json;
};

struct DebeziumTableInfo {
  // Every column of the table, in table order.
  std::vector<DebeziumColumnInfo> columns;
};

// Supplies the table descriptions; implemented by the caller (the sources
// know their catalogs).
class DebeziumTables {
 public:
  virtual ~DebeziumTables() = default;
  // The table the event's source names, or nullptr when unknown. The result
  // must stay valid until the rendering call returns.
  virtual const DebeziumTableInfo* Find(const cdc::v1::Source& source) const = 0;
};

struct DebeziumOptions {
  // JsonConverter schemas.enable: {"schema":...,"payload":...} when true,
  // the payload alone when false. Default: false.
  bool schemas_enable = false;
  // Table descriptions; nullptr renders from the event alone (see the
  // differences above). Not owned. Default: nullptr.
  const DebeziumTables* tables = nullptr;
  // Debezium's topic.prefix, used in source.name and the schema names.
  // Default: empty, meaning Source.server_name.
  std::string logical_name;
  // The envelope's ts_ms/ts_us/ts_ns, microseconds since the epoch.
  // Default: 0, meaning the event's commit time.
  int64_t processing_time_us = 0;
  // Debezium's unavailable.value.placeholder. Default as Debezium's.
  std::string unavailable_value_placeholder = "__debezium_unavailable_value";
  // source.version. Default: the Debezium release this module follows.
  std::string connector_version = "3.6.1.Final";
};

// The message key Debezium writes for this event: a JSON object of the key
// columns (event.key_columns, values from after, or before for deletes),
// with the key schema when schemas_enable. std::nullopt when Debezium writes
// a null key (no key columns; TRUNCATE; transaction markers).
std::optional<std::string> DebeziumKeyJson(const cdc::v1::ChangeEvent& event,
                                           const DebeziumOptions& options);

// The message value: the envelope described above. Never fails: a value
// that cannot be shown in its column's form is null. Transaction markers
// (OP_BEGIN, OP_COMMIT) are not change events in Debezium (they go to its
// separate transaction topic): their value is the JSON literal null, and
// the caller should not publish them to a table's topic.
std::string DebeziumValueJson(const cdc::v1::ChangeEvent& event, const DebeziumOptions& options);

// The same, appended to `out` (to reuse one buffer on the hot path). The
// key function appends nothing and returns false for a null key.
bool AppendDebeziumKeyJson(const cdc::v1::ChangeEvent& event, const DebeziumOptions& options,
                           std::string* out);
void AppendDebeziumValueJson(const cdc::v1::ChangeEvent& event, const DebeziumOptions& options,
                             std::string* out);

// `text` as a JSON string the way Debezium's Jackson writes it (upper-case
// \u escapes; bytes that are not UTF-8 as U+FFFD), quotes included.
void AppendDebeziumJsonString(std::string_view text, std::string* out);

}  // namespace cdc::agent
