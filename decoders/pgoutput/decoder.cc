// pgoutput protocol version 1: the message layouts are listed in decoder.h.
#include "decoders/pgoutput/decoder.h"

#include <string>
#include <utility>

#include "common/byte_reader.h"

namespace cdc::pgoutput {
namespace {

// Reads the fields of one message and turns every short or bad field into a
// Corruption that names the message, the field and the offset it starts at.
class MessageReader {
 public:
  MessageReader(std::string_view data, const char* message) : reader_(data), message_(message) {}

  size_t offset() const { return reader_.offset(); }

  Status Error(std::string_view what, size_t offset) const {
    return Status::Corruption("pgoutput " + std::string(message_) + ": " + std::string(what) +
                              " at offset " + std::to_string(offset));
  }
  Status Truncated(std::string_view field) const {
    return Error("truncated " + std::string(field), reader_.offset());
  }

  Status U8(std::string_view field, uint8_t* out) {
    return reader_.ReadU8(out) ? Status::OK() : Truncated(field);
  }
  Status U32(std::string_view field, uint32_t* out) {
    return reader_.ReadU32BE(out) ? Status::OK() : Truncated(field);
  }
  Status U64(std::string_view field, uint64_t* out) {
    return reader_.ReadU64BE(out) ? Status::OK() : Truncated(field);
  }
  Status I16(std::string_view field, int16_t* out) {
    return reader_.ReadI16BE(out) ? Status::OK() : Truncated(field);
  }
  Status I32(std::string_view field, int32_t* out) {
    return reader_.ReadI32BE(out) ? Status::OK() : Truncated(field);
  }
  Status Bytes(std::string_view field, size_t n, std::string_view* out) {
    return reader_.ReadBytes(n, out) ? Status::OK() : Truncated(field);
  }
  Status CString(std::string_view field, std::string_view* out) {
    return reader_.ReadCString(out) ? Status::OK() : Truncated(field);
  }

  // PostgreSQL timestamps count microseconds from 2000-01-01.
  Status Timestamp(std::string_view field, int64_t* out) {
    size_t at = reader_.offset();
    int64_t pg_us = 0;
    if (!reader_.ReadI64BE(&pg_us)) return Truncated(field);
    if (__builtin_add_overflow(pg_us, kPostgresEpochOffsetUs, out)) {
      return Error(std::string(field) + " out of range", at);
    }
    return Status::OK();
  }

  ByteReader& raw() { return reader_; }

  Status Finish() const {
    if (reader_.empty()) return Status::OK();
    return Error(std::to_string(reader_.remaining()) + " trailing bytes", reader_.offset());
  }

 private:
  ByteReader reader_;
  const char* message_;
};

std::string Quoted(uint8_t c) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex = "0x";
  hex.push_back(kHex[c >> 4]);
  hex.push_back(kHex[c & 15]);
  if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "' (" + hex + ")";
  return hex;
}

// Field names are only formatted on error: a tuple is read once per change.
Status ReadTuple(MessageReader* r, const char* which, Tuple* tuple) {
  ByteReader& in = r->raw();
  auto column_error = [&](const std::string& before, int i, const char* after, size_t at) {
    return r->Error(before + which + " column " + std::to_string(i) + after, at);
  };
  size_t at = in.offset();
  int16_t ncols = 0;
  if (!in.ReadI16BE(&ncols)) return r->Truncated(std::string(which) + " column count");
  if (ncols < 0) {
    return r->Error("negative " + std::string(which) + " column count " + std::to_string(ncols),
                    at);
  }
  tuple->columns.resize(static_cast<size_t>(ncols));
  for (int i = 0; i < ncols; ++i) {
    Datum& datum = tuple->columns[static_cast<size_t>(i)];
    at = in.offset();
    uint8_t kind = 0;
    if (!in.ReadU8(&kind)) return column_error("truncated ", i, " kind", at);
    switch (kind) {
      case 'n':
      case 'u':
        datum.kind = static_cast<DatumKind>(kind);
        break;
      case 't':
      case 'b': {
        datum.kind = static_cast<DatumKind>(kind);
        at = in.offset();
        int32_t len = 0;
        if (!in.ReadI32BE(&len)) return column_error("truncated ", i, " length", at);
        if (len < 0) {
          return column_error("negative length " + std::to_string(len) + " of ", i, "", at);
        }
        at = in.offset();
        if (!in.ReadBytes(static_cast<size_t>(len), &datum.bytes)) {
          return column_error("truncated ", i, " value", at);
        }
        break;
      }
      default:
        return column_error("bad datum kind " + Quoted(kind) + " of ", i, "", at);
    }
  }
  return Status::OK();
}

// Reads the 'N' marker that precedes a new tuple.
Status ReadNewTuple(MessageReader* r, Tuple* tuple) {
  size_t at = r->offset();
  uint8_t marker = 0;
  CDC_RETURN_IF_ERROR(r->U8("new tuple marker", &marker));
  if (marker != 'N') return r->Error("bad tuple kind " + Quoted(marker) + ", expected 'N'", at);
  return ReadTuple(r, "new tuple", tuple);
}

Result<Message> DecodeBegin(MessageReader* r) {
  Begin m;
  CDC_RETURN_IF_ERROR(r->U64("final lsn", &m.final_lsn));
  CDC_RETURN_IF_ERROR(r->Timestamp("commit timestamp", &m.commit_time_us));
  CDC_RETURN_IF_ERROR(r->U32("xid", &m.xid));
  return Message(m);
}

Result<Message> DecodeCommit(MessageReader* r) {
  Commit m;
  CDC_RETURN_IF_ERROR(r->U8("flags", &m.flags));
  CDC_RETURN_IF_ERROR(r->U64("commit lsn", &m.commit_lsn));
  CDC_RETURN_IF_ERROR(r->U64("end lsn", &m.end_lsn));
  CDC_RETURN_IF_ERROR(r->Timestamp("commit timestamp", &m.commit_time_us));
  return Message(m);
}

Result<Message> DecodeOrigin(MessageReader* r) {
  Origin m;
  CDC_RETURN_IF_ERROR(r->U64("commit lsn", &m.commit_lsn));
  CDC_RETURN_IF_ERROR(r->CString("origin name", &m.name));
  return Message(m);
}

Result<Message> DecodeRelation(MessageReader* r) {
  Relation m;
  CDC_RETURN_IF_ERROR(r->U32("relation oid", &m.oid));
  CDC_RETURN_IF_ERROR(r->CString("namespace", &m.schema));
  CDC_RETURN_IF_ERROR(r->CString("relation name", &m.name));
  size_t at = r->offset();
  uint8_t ident = 0;
  CDC_RETURN_IF_ERROR(r->U8("replica identity", &ident));
  if (ident != 'd' && ident != 'n' && ident != 'f' && ident != 'i') {
    return r->Error("bad replica identity " + Quoted(ident), at);
  }
  m.replica_identity = static_cast<char>(ident);
  at = r->offset();
  int16_t ncols = 0;
  CDC_RETURN_IF_ERROR(r->I16("column count", &ncols));
  if (ncols < 0) return r->Error("negative column count " + std::to_string(ncols), at);
  m.columns.resize(static_cast<size_t>(ncols));
  for (RelationColumn& column : m.columns) {
    uint8_t flags = 0;
    CDC_RETURN_IF_ERROR(r->U8("column flags", &flags));
    column.key = (flags & 1) != 0;
    CDC_RETURN_IF_ERROR(r->CString("column name", &column.name));
    CDC_RETURN_IF_ERROR(r->U32("column type oid", &column.type_oid));
    CDC_RETURN_IF_ERROR(r->I32("column type modifier", &column.type_modifier));
  }
  return Message(std::move(m));
}

Result<Message> DecodeType(MessageReader* r) {
  Type m;
  CDC_RETURN_IF_ERROR(r->U32("type oid", &m.oid));
  CDC_RETURN_IF_ERROR(r->CString("namespace", &m.schema));
  CDC_RETURN_IF_ERROR(r->CString("type name", &m.name));
  return Message(m);
}

Result<Message> DecodeInsert(MessageReader* r) {
  Insert m;
  CDC_RETURN_IF_ERROR(r->U32("relation oid", &m.relation_oid));
  CDC_RETURN_IF_ERROR(ReadNewTuple(r, &m.new_tuple));
  return Message(std::move(m));
}

Result<Message> DecodeUpdate(MessageReader* r) {
  Update m;
  CDC_RETURN_IF_ERROR(r->U32("relation oid", &m.relation_oid));
  size_t at = r->offset();
  uint8_t kind = 0;
  CDC_RETURN_IF_ERROR(r->U8("tuple kind", &kind));
  if (kind == 'K' || kind == 'O') {
    m.old_kind = static_cast<char>(kind);
    CDC_RETURN_IF_ERROR(ReadTuple(r, "old tuple", &m.old_tuple));
    CDC_RETURN_IF_ERROR(ReadNewTuple(r, &m.new_tuple));
  } else if (kind == 'N') {
    CDC_RETURN_IF_ERROR(ReadTuple(r, "new tuple", &m.new_tuple));
  } else {
    return r->Error("bad tuple kind " + Quoted(kind), at);
  }
  return Message(std::move(m));
}

Result<Message> DecodeDelete(MessageReader* r) {
  Delete m;
  CDC_RETURN_IF_ERROR(r->U32("relation oid", &m.relation_oid));
  size_t at = r->offset();
  uint8_t kind = 0;
  CDC_RETURN_IF_ERROR(r->U8("tuple kind", &kind));
  if (kind != 'K' && kind != 'O') return r->Error("bad tuple kind " + Quoted(kind), at);
  m.old_kind = static_cast<char>(kind);
  CDC_RETURN_IF_ERROR(ReadTuple(r, "old tuple", &m.old_tuple));
  return Message(std::move(m));
}

Result<Message> DecodeTruncate(MessageReader* r) {
  Truncate m;
  uint32_t nrels = 0;
  CDC_RETURN_IF_ERROR(r->U32("relation count", &nrels));
  CDC_RETURN_IF_ERROR(r->U8("options", &m.options));
  // The count comes from the wire: read before reserving so that a corrupt
  // count cannot make us allocate.
  for (uint32_t i = 0; i < nrels; ++i) {
    uint32_t oid = 0;
    CDC_RETURN_IF_ERROR(r->U32("relation oid " + std::to_string(i), &oid));
    m.relation_oids.push_back(oid);
  }
  return Message(std::move(m));
}

Result<Message> DecodeLogicalMessage(MessageReader* r) {
  LogicalMessage m;
  size_t at = r->offset();
  uint8_t flags = 0;
  CDC_RETURN_IF_ERROR(r->U8("flags", &flags));
  if (flags > 1) return r->Error("bad flags " + Quoted(flags), at);
  m.transactional = flags == 1;
  CDC_RETURN_IF_ERROR(r->U64("lsn", &m.lsn));
  CDC_RETURN_IF_ERROR(r->CString("prefix", &m.prefix));
  at = r->offset();
  int32_t len = 0;
  CDC_RETURN_IF_ERROR(r->I32("content length", &len));
  if (len < 0) return r->Error("negative content length " + std::to_string(len), at);
  CDC_RETURN_IF_ERROR(r->Bytes("content", static_cast<size_t>(len), &m.content));
  return Message(m);
}

}  // namespace

Result<Message> DecodeMessage(std::string_view data) {
  if (data.empty()) return Status::Corruption("pgoutput: empty message at offset 0");
  uint8_t tag = static_cast<uint8_t>(data[0]);
  Result<Message> (*decode)(MessageReader*) = nullptr;
  const char* name = nullptr;
  switch (tag) {
    case 'B': decode = DecodeBegin; name = "Begin"; break;
    case 'C': decode = DecodeCommit; name = "Commit"; break;
    case 'O': decode = DecodeOrigin; name = "Origin"; break;
    case 'R': decode = DecodeRelation; name = "Relation"; break;
    case 'Y': decode = DecodeType; name = "Type"; break;
    case 'I': decode = DecodeInsert; name = "Insert"; break;
    case 'U': decode = DecodeUpdate; name = "Update"; break;
    case 'D': decode = DecodeDelete; name = "Delete"; break;
    case 'T': decode = DecodeTruncate; name = "Truncate"; break;
    case 'M': decode = DecodeLogicalMessage; name = "Message"; break;
    default:
      return Status::Corruption("pgoutput: unknown message tag " + Quoted(tag) + " at offset 0");
  }
  MessageReader reader(data, name);
  uint8_t skipped_tag = 0;
  CDC_RETURN_IF_ERROR(reader.U8("tag", &skipped_tag));
  Result<Message> message = decode(&reader);
  if (!message.ok()) return message;
  CDC_RETURN_IF_ERROR(reader.Finish());
  return message;
}

}  // namespace cdc::pgoutput
