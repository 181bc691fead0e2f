// libFuzzer harness: one pgoutput message through pgoutput::DecodeMessage.
// The decoder must return a message or a Corruption for any bytes, and every
// view it returns must lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <type_traits>
#include <variant>

#include "decoders/pgoutput/decoder.h"

namespace {

void CheckInside(std::string_view input, std::string_view view) {
  if (view.empty()) return;
  if (view.data() < input.data() || view.data() + view.size() > input.data() + input.size()) {
    std::abort();
  }
}

void CheckTuple(std::string_view input, const cdc::pgoutput::Tuple& tuple) {
  for (const auto& datum : tuple.columns) CheckInside(input, datum.bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto message = cdc::pgoutput::DecodeMessage(input);
  if (!message.ok()) {
    if (message.status().message().empty()) std::abort();
    return 0;
  }
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        namespace pg = cdc::pgoutput;
        if constexpr (std::is_same_v<T, pg::Origin>) {
          CheckInside(input, m.name);
        } else if constexpr (std::is_same_v<T, pg::Relation>) {
          CheckInside(input, m.schema);
          CheckInside(input, m.name);
          for (const auto& c : m.columns) CheckInside(input, c.name);
        } else if constexpr (std::is_same_v<T, pg::Type>) {
          CheckInside(input, m.schema);
          CheckInside(input, m.name);
        } else if constexpr (std::is_same_v<T, pg::Insert>) {
          CheckTuple(input, m.new_tuple);
        } else if constexpr (std::is_same_v<T, pg::Update>) {
          CheckTuple(input, m.old_tuple);
          CheckTuple(input, m.new_tuple);
        } else if constexpr (std::is_same_v<T, pg::Delete>) {
          CheckTuple(input, m.old_tuple);
        } else if constexpr (std::is_same_v<T, pg::LogicalMessage>) {
          CheckInside(input, m.prefix);
          CheckInside(input, m.content);
        }
      },
      *message);
  return 0;
}
