// libFuzzer harness: one CopyData message of the streaming replication
// protocol through ParseCopyData; an XLogData payload then goes on through
// the pgoutput decoder, as in the live stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "agent/postgres/replication_protocol.h"
#include "decoders/pgoutput/decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto message = cdc::agent::postgres::ParseCopyData(input);
  if (!message.ok()) return 0;
  if (const auto* x = std::get_if<cdc::agent::postgres::XLogData>(&*message)) {
    // The payload is the rest of the message, after the 25-byte header.
    if (x->payload.data() != input.data() + 25 || x->payload.size() != size - 25) std::abort();
    auto decoded = cdc::pgoutput::DecodeMessage(x->payload);
    decoded.status().PermitUncheckedError();
  }
  return 0;
}
