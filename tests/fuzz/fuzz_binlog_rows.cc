// libFuzzer harness: row images through DecodeRows, with a table and a rows
// event described by the first bytes of the input (see rows_input.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "decoders/binlog/rows.h"
#include "tests/fuzz/rows_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cdc::fuzz::RowsInput input;
  if (!cdc::fuzz::ParseRowsInput(std::string_view(reinterpret_cast<const char*>(data), size),
                                 &input)) {
    return 0;
  }
  const size_t n = input.schema.columns.size();
  cdc::Status s = cdc::binlog::DecodeRows(
      input.event, input.schema, [n](cdc::binlog::RowChange& change) {
        // Every image has one slot per column of the table.
        for (const auto* image : {&change.before, &change.after}) {
          if (!image->present.empty() &&
              (image->present.size() != n || image->values.size() != n)) {
            std::abort();
          }
        }
        return cdc::Status::OK();
      });
  if (!s.ok() && s.message().empty()) std::abort();
  return 0;
}
