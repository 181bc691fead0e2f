// Inputs shared by the benchmarks: files read whole into memory, the captured
// pgoutput stream, the synthetic five-column row, and the memcpy reference
// every binary reports beside its own figures so that ratios between runs on
// a noisy machine stay meaningful.
//
// Loading happens before timing starts; nothing here is timed except
// MemcpyReference's loop.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace cdc::bench {

// The whole file, or nullopt when it cannot be opened.
inline std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct CapturedMessage {
  std::string label;  // "insert:public.all_types"
  std::string bytes;  // one pgoutput message
};

inline int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// tests/data/pgoutput/pg15_stream.hex: "<label> <hex>" per line, '#'
// comments. Empty when the file is missing or a line is malformed; `error`
// then says why.
inline std::vector<CapturedMessage> LoadPgoutputCapture(std::string* error) {
  std::string path = std::string(CDC_TEST_DATA_DIR) + "/pgoutput/pg15_stream.hex";
  std::ifstream in(path);
  if (!in) {
    *error = "cannot open " + path;
    return {};
  }
  std::vector<CapturedMessage> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    CapturedMessage m;
    std::string hex;
    fields >> m.label >> hex;
    if (hex.empty() || hex.size() % 2 != 0) {
      *error = path + ": malformed line for " + m.label;
      return {};
    }
    for (size_t i = 0; i < hex.size(); i += 2) {
      int hi = HexDigit(hex[i]);
      int lo = HexDigit(hex[i + 1]);
      if (hi < 0 || lo < 0) {
        *error = path + ": bad hex digit for " + m.label;
        return {};
      }
      m.bytes.push_back(static_cast<char>(hi << 4 | lo));
    }
    out.push_back(std::move(m));
  }
  return out;
}

// The five-column row of the hot-path benchmarks: one column of each type
// that dominates typical OLTP tables, as PostgreSQL prints them in text form.
struct SyntheticColumn {
  const char* name;
  const char* type_name;
  uint32_t type_oid;
  const char* text;
};

inline constexpr SyntheticColumn kFiveColumns[] = {
    {"id", "int8", 20, "1234567890"},
    {"customer", "text", 25, "customer-000042@example.com"},
    {"amount", "numeric", 1700, "12345.6789"},
    {"created_at", "timestamptz", 1184, "2024-05-01 12:34:56.789012+00"},
    {"active", "bool", 16, "t"},
};
inline constexpr uint32_t kSyntheticRelationOid = 16400;

// An Insert message ('I' rel 'N' TupleData) of the five columns as text.
inline std::string SyntheticInsertMessage() {
  std::string m;
  auto put_u32 = [&m](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) m.push_back(static_cast<char>(v >> shift));
  };
  m.push_back('I');
  put_u32(kSyntheticRelationOid);
  m.push_back('N');
  m.push_back(0);
  m.push_back(static_cast<char>(std::size(kFiveColumns)));
  for (const SyntheticColumn& c : kFiveColumns) {
    m.push_back('t');
    put_u32(static_cast<uint32_t>(std::strlen(c.text)));
    m.append(c.text);
  }
  return m;
}

// Reference figure: copying `bytes` once per iteration into a buffer
// allocated before timing. Reports bytes/s like the benchmarks beside it.
inline void MemcpyReference(benchmark::State& state, std::string_view bytes) {
  std::string dest(bytes.size(), '\0');
  for (auto _ : state) {
    std::memcpy(dest.data(), bytes.data(), bytes.size());
    benchmark::DoNotOptimize(dest.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

// A rate counter: `per_iteration` things per iteration, reported per second.
inline benchmark::Counter Rate(benchmark::State& state, double per_iteration) {
  return benchmark::Counter(per_iteration * static_cast<double>(state.iterations()),
                            benchmark::Counter::kIsRate);
}

}  // namespace cdc::bench
