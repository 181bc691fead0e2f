// Wall-clock time as the events carry it.
#pragma once

#include <chrono>
#include <cstdint>

namespace cdc {

// Microseconds since the Unix epoch, from the system clock.
inline int64_t WallClockMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace cdc
