#include "agent/chunk_size.h"

#include <gtest/gtest.h>

#include <vector>

namespace cdc::agent {
namespace {

TEST(ChunkSizeTest, ATableStartsSmallUnlessItsChunksAreSmaller) {
  EXPECT_EQ(FirstChunkRows(10000), 256);
  EXPECT_EQ(FirstChunkRows(100), 100);
}

TEST(ChunkSizeTest, SmallRowsDoubleUpToTheConfiguredRows) {
  // 200-byte rows: 10,000 of them are 2 MB, within the bytes.
  int rows = FirstChunkRows(10000);
  std::vector<int> seen;
  for (int i = 0; i < 8; ++i) {
    rows = NextChunkRows(rows, 10000, static_cast<uint64_t>(rows), 200ull * rows);
    seen.push_back(rows);
  }
  EXPECT_EQ(seen, (std::vector<int>{512, 1024, 2048, 4096, 8192, 10000, 10000, 10000}));
}

TEST(ChunkSizeTest, LargeRowsGetAsManyAsFitTheBytes) {
  // 100 KB rows: 83 fit 8 MiB.
  EXPECT_EQ(NextChunkRows(256, 10000, 256, 256ull * 100000), 83);
  EXPECT_EQ(NextChunkRows(83, 10000, 83, 83ull * 100000), 83);
  // A row larger than the bytes: one a chunk.
  EXPECT_EQ(NextChunkRows(2, 10000, 2, 2ull * 20000000), 1);
  // The bytes of the rows read decide, not the rows asked for: a chunk at
  // the table's end read fewer.
  EXPECT_EQ(NextChunkRows(256, 10000, 10, 10ull * 100000), 83);
}

TEST(ChunkSizeTest, AnEmptyChunkOnlyDoubles) {
  EXPECT_EQ(NextChunkRows(256, 10000, 0, 0), 512);
  EXPECT_EQ(NextChunkRows(8000, 10000, 0, 0), 10000);
}

}  // namespace
}  // namespace cdc::agent
