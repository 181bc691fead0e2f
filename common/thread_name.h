// Names the calling thread, as `top -H`, `ps -L` and profilers show it.
#pragma once

#include <pthread.h>

#include <cstddef>

namespace cdc {

// `name`: a literal of at most 15 characters, the most Linux keeps.
template <size_t N>
void NameThisThread(const char (&name)[N]) {
  static_assert(N <= 16, "a thread's name has at most 15 characters");
  pthread_setname_np(pthread_self(), name);
}

}  // namespace cdc
