// Helpers shared by the offsets tests.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <ostream>
#include <string>
#include <system_error>

#include "offsets/position.h"

namespace cdc::offsets {

// Lets GoogleTest print positions in failure messages (found by ADL).
inline void PrintTo(const Position& position, std::ostream* os) { *os << position.ToString(); }

}  // namespace cdc::offsets

namespace cdc::testing {

// A fresh directory under the test temp dir, removed with everything in it
// when the object is destroyed.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::path(::testing::TempDir()) / "cdc_offsets_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const {
    return (std::filesystem::path(path_) / name).string();
  }

 private:
  std::string path_;
};

}  // namespace cdc::testing
