// Counts the heap allocations (global operator new) of the whole test binary
// between Start and Stop. The replacement operators live in alloc_counter.cc,
// apart from every caller.
#pragma once

#include <cstddef>

namespace cdc::agent::transform {

void StartCountingAllocations();
// The allocations since StartCountingAllocations.
size_t StopCountingAllocations();

}  // namespace cdc::agent::transform
