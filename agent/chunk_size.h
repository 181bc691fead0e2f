// How many rows a snapshot chunk asks for, for both sources: the chunks of
// a table start small and double while they go well, up to
// snapshot_chunk_rows, and hold no more rows than fit kChunkBytes at the
// size of the rows read last. A chunk is held whole in memory (and the
// next is read meanwhile), so rows of 100 KB at 10,000 a chunk would hold
// gigabytes; small rows still come 10,000 a chunk.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace cdc::agent {

// A table's first chunk, before the size of its rows is known.
inline constexpr int kFirstChunkRows = 256;
// The bytes a chunk is sized to hold: of its values as read from MySQL, of
// its result in memory (PQresultMemorySize) from PostgreSQL.
inline constexpr uint64_t kChunkBytes = 8 << 20;

inline int FirstChunkRows(int max_rows) { return std::min(kFirstChunkRows, max_rows); }

// The rows of the chunk after one that read `rows_read` rows in `bytes`
// bytes while asking for `asked`: twice `asked`, at most `max_rows`, and
// at most as many rows of that size as fit kChunkBytes (at least one).
inline int NextChunkRows(int asked, int max_rows, uint64_t rows_read, uint64_t bytes) {
  int64_t next = std::min<int64_t>(2 * static_cast<int64_t>(asked), max_rows);
  if (rows_read > 0 && bytes > 0) {
    const uint64_t per_row = std::max<uint64_t>(1, bytes / rows_read);
    next = std::min<int64_t>(next, static_cast<int64_t>(
                                       std::min<uint64_t>(kChunkBytes / per_row, INT32_MAX)));
  }
  return static_cast<int>(std::max<int64_t>(1, next));
}

}  // namespace cdc::agent
