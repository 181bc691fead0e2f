// What a unit test does when the fixture files beside the clone
// (../shared/fixtures) are absent: in a clone elsewhere it skips with the
// reason; inside deploy/local/test (CDC_TEST_ENV=1) it fails, so that CI can
// never pass without them. `what` may be a chain of `<<` operands.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

#define CDC_FIXTURES_ABSENT(what)                                                          \
  do {                                                                                     \
    if (std::getenv("CDC_TEST_ENV") != nullptr) {                                          \
      FAIL() << what << " (with CDC_TEST_ENV=1 the fixtures of ../shared/fixtures must be " \
                        "there)";                                                          \
    }                                                                                      \
    GTEST_SKIP() << what << " (it ships beside the project in CI; clones elsewhere skip)"; \
  } while (0)
