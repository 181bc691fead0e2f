// Decoding of pgoutput, PostgreSQL's logical replication output plugin,
// protocol version 1.
//
// Spec: https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html
// Every message starts with a one-byte tag; integers are big-endian:
//   'B' Begin     final_lsn:u64 commit_ts:i64 xid:u32
//   'M' Message   flags:u8 lsn:u64 prefix:cstr length:u32 content:bytes
//   'C' Commit    flags:u8 commit_lsn:u64 end_lsn:u64 commit_ts:i64
//   'O' Origin    commit_lsn:u64 name:cstr
//   'R' Relation  oid:u32 namespace:cstr name:cstr replident:u8 ncols:i16
//                 { flags:u8 name:cstr type_oid:u32 typmod:i32 } * ncols
//   'Y' Type      oid:u32 namespace:cstr name:cstr
//   'I' Insert    rel:u32 'N' TupleData
//   'U' Update    rel:u32 [ 'K' TupleData | 'O' TupleData ] 'N' TupleData
//   'D' Delete    rel:u32 ( 'K' | 'O' ) TupleData
//   'T' Truncate  nrels:u32 options:u8 rel:u32 * nrels
// TupleData:      ncols:i16 { 'n' | 'u' | 't' len:i32 bytes | 'b' len:i32 bytes } * ncols
// Timestamps are microseconds since 2000-01-01; the structs below carry them
// converted to microseconds since the Unix epoch.
//
// Pure code: no I/O, no logging. Every string_view in a decoded message points
// into the input buffer and is valid exactly as long as that buffer.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace cdc::pgoutput {

// Microseconds between 1970-01-01 and 2000-01-01.
inline constexpr int64_t kPostgresEpochOffsetUs = 946684800LL * 1000000LL;

struct Begin {
  uint64_t final_lsn = 0;
  int64_t commit_time_us = 0;
  uint32_t xid = 0;
};

struct Commit {
  uint8_t flags = 0;
  uint64_t commit_lsn = 0;
  uint64_t end_lsn = 0;
  int64_t commit_time_us = 0;
};

struct Origin {
  uint64_t commit_lsn = 0;
  std::string_view name;
};

struct RelationColumn {
  bool key = false;  // part of the replica identity
  std::string_view name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;
};

struct Relation {
  uint32_t oid = 0;
  std::string_view schema;
  std::string_view name;
  // 'd' default (primary key), 'n' nothing, 'f' full, 'i' index.
  char replica_identity = 'd';
  std::vector<RelationColumn> columns;
};

struct Type {
  uint32_t oid = 0;
  std::string_view schema;
  std::string_view name;
};

enum class DatumKind : char {
  kNull = 'n',
  kUnchanged = 'u',  // TOASTed value not carried by the WAL
  kText = 't',
  kBinary = 'b',
};

struct Datum {
  DatumKind kind = DatumKind::kNull;
  std::string_view bytes;  // for kText and kBinary
};

struct Tuple {
  std::vector<Datum> columns;
};

struct Insert {
  uint32_t relation_oid = 0;
  Tuple new_tuple;
};

struct Update {
  uint32_t relation_oid = 0;
  // '\0' when the message carries no old tuple, 'K' for the replica identity
  // key columns only, 'O' for the full old row.
  char old_kind = '\0';
  Tuple old_tuple;
  Tuple new_tuple;
};

struct Delete {
  uint32_t relation_oid = 0;
  char old_kind = 'K';  // 'K' or 'O', as for Update
  Tuple old_tuple;
};

struct Truncate {
  static constexpr uint8_t kCascade = 1;
  static constexpr uint8_t kRestartIdentity = 2;
  uint8_t options = 0;
  std::vector<uint32_t> relation_oids;
};

struct LogicalMessage {
  bool transactional = false;
  uint64_t lsn = 0;
  std::string_view prefix;
  std::string_view content;
};

using Message = std::variant<Begin, Commit, Origin, Relation, Type, Insert, Update, Delete,
                             Truncate, LogicalMessage>;

// Decodes one complete pgoutput message (the payload of an XLogData 'w'
// message). Trailing bytes after a complete message are an error. On malformed
// or truncated input returns Corruption naming the message, the field and the
// byte offset; never reads outside `data`.
Result<Message> DecodeMessage(std::string_view data);

}  // namespace cdc::pgoutput
