// Names the calling thread, as `top -H`, `ps -L` and profilers show it.
#pragma once

#include <pthread.h>

namespace cdc {

// `name`: at most 15 characters; Linux refuses a longer one, and the
// thread keeps the name it had.
inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace cdc
