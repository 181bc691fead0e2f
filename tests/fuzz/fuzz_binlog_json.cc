// libFuzzer harness: MySQL binary JSON through BinaryJsonToText. Whatever it
// prints for a valid document must be non-empty JSON text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "decoders/binlog/rows.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto text = cdc::binlog::BinaryJsonToText(input);
  if (text.ok() && text->empty() && !input.empty()) std::abort();
  return 0;
}
