// TRANSACTION_PAYLOAD (MySQL 8.0.20+, binlog_transaction_compression=ON).
// Spec: https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Transaction__payload__event.html
//   fields: (type:packed length:packed value:packed, `length` bytes)* type 0
//     1 payload_size  2 compression_type (0 zstd, 255 none)  3 uncompressed_size
//   payload:byte[payload_size]: the transaction's events, compressed, each
//   without a checksum of its own.
#include <zstd.h>

#include <memory>
#include <string>

#include "decoders/binlog/event_reader.h"

namespace cdc::binlog::internal {
namespace {

enum : uint64_t {
  kHeaderEndMark = 0,
  kPayloadSize = 1,
  kCompressionType = 2,
  kUncompressedSize = 3,
};
constexpr uint64_t kZstd = 0;
constexpr uint64_t kNone = 255;
// The first allocation for the decompressed events; later growth follows the
// bytes zstd actually produces, so a corrupt size cannot allocate much.
constexpr size_t kInitialOutput = size_t{1} << 20;

struct DStreamDeleter {
  void operator()(ZSTD_DStream* s) const { ZSTD_freeDStream(s); }
};

Status Decompress(std::string_view in, const BodyReader& r, size_t payload_at,
                  std::optional<uint64_t> expected, std::string* out) {
  std::unique_ptr<ZSTD_DStream, DStreamDeleter> stream(ZSTD_createDStream());
  if (stream == nullptr) return r.Error("zstd: cannot create a decompression stream", payload_at);
  size_t initial = kInitialOutput;
  if (expected.has_value() && *expected < initial) initial = static_cast<size_t>(*expected);
  out->resize(initial < 64 ? 64 : initial);
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t produced = 0;
  size_t last = 1;
  while (input.pos < input.size || last != 0) {
    if (produced == out->size()) {
      if (expected.has_value() && produced >= *expected) {
        return r.Error("payload decompresses to more than uncompressed_size " +
                           std::to_string(*expected),
                       payload_at);
      }
      out->resize(out->size() * 2);
    }
    ZSTD_outBuffer output{out->data(), out->size(), produced};
    size_t before_in = input.pos;
    last = ZSTD_decompressStream(stream.get(), &output, &input);
    if (ZSTD_isError(last)) {
      return r.Error(std::string("zstd: ") + ZSTD_getErrorName(last), payload_at + input.pos);
    }
    bool progress = output.pos != produced || input.pos != before_in;
    produced = output.pos;
    if (!progress && output.pos < output.size) {
      return r.Error("zstd: truncated compressed payload", payload_at + input.pos);
    }
  }
  out->resize(produced);
  if (expected.has_value() && produced != *expected) {
    return r.Error("payload decompresses to " + std::to_string(produced) +
                       " bytes, uncompressed_size says " + std::to_string(*expected),
                   payload_at);
  }
  return Status::OK();
}

}  // namespace

Status ParseTransactionPayload(std::string_view body, const EventContext& ctx, std::string* out) {
  BodyReader r(body, ctx);
  std::optional<uint64_t> payload_size, compression, uncompressed_size;
  while (true) {
    uint64_t type = 0, length = 0;
    CDC_RETURN_IF_ERROR(r.LengthEncoded("field type", &type));
    if (type == kHeaderEndMark) break;
    CDC_RETURN_IF_ERROR(r.LengthEncoded("field length", &length));
    if (length > r.remaining()) return r.Truncated("field " + std::to_string(type));
    size_t at = r.offset();
    std::string_view value;
    CDC_RETURN_IF_ERROR(r.Bytes("field value", static_cast<size_t>(length), &value));
    if (type != kPayloadSize && type != kCompressionType && type != kUncompressedSize) continue;
    EventContext value_ctx = ctx;
    value_ctx.body_offset += at;
    BodyReader vr(value, value_ctx);
    uint64_t v = 0;
    const char* name = type == kPayloadSize        ? "payload_size"
                       : type == kCompressionType ? "compression_type"
                                                  : "uncompressed_size";
    CDC_RETURN_IF_ERROR(vr.LengthEncoded(name, &v));
    if (!vr.empty()) return vr.Error(std::string(name) + " shorter than its field length");
    (type == kPayloadSize ? payload_size : type == kCompressionType ? compression
                                                                     : uncompressed_size) = v;
  }
  if (!compression.has_value()) return r.Error("missing compression_type field");
  if (!payload_size.has_value()) return r.Error("missing payload_size field");
  if (*payload_size != r.remaining()) {
    return r.Error("payload_size " + std::to_string(*payload_size) + " but " +
                   std::to_string(r.remaining()) + " payload bytes");
  }
  size_t payload_at = r.offset();
  std::string_view payload = r.rest();
  if (*compression == kNone) {
    if (uncompressed_size.has_value() && *uncompressed_size != payload.size()) {
      return r.Error("uncompressed payload of " + std::to_string(payload.size()) +
                     " bytes, uncompressed_size says " + std::to_string(*uncompressed_size));
    }
    out->assign(payload);
    return Status::OK();
  }
  if (*compression != kZstd) {
    return r.Error("unknown compression_type " + std::to_string(*compression));
  }
  return Decompress(payload, r, payload_at, uncompressed_size, out);
}

}  // namespace cdc::binlog::internal
