#include "tests/fuzz/binlog_seeds.h"

#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <variant>

#include "common/byte_reader.h"
#include "decoders/binlog/events.h"
#include "decoders/binlog/rows.h"
#include "tests/fuzz/binlog_flavours.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/rows_input.h"

namespace cdc::fuzz {
namespace {

namespace b = cdc::binlog;

constexpr int kEventsPerType = 6;
constexpr int kRowsPerFile = 40;
constexpr int kJsonPerFile = 40;
constexpr int kJsonRowsPerEvent = 4;

class CorpusWriter {
 public:
  explicit CorpusWriter(const std::string& root) : root_(root) {}

  // Writes `bytes` under `harness` unless it is too big or already written.
  bool Add(const std::string& harness, const std::string& name, std::string_view bytes) {
    if (bytes.size() > kMaxSeedSize) return true;
    if (!seen_.insert(harness + '\0' + std::string(bytes)).second) return true;
    ++counts_[harness];
    return WriteSeed(root_ + "/" + harness, name, bytes);
  }

  void PrintSummary() const {
    for (const auto& [harness, count] : counts_) {
      std::printf("%s: %d seeds in %s/%s\n", harness.c_str(), count, root_.c_str(),
                  harness.c_str());
    }
  }

 private:
  std::string root_;
  std::set<std::string> seen_;
  std::map<std::string, int> counts_;
};

// The binary JSON documents of the first rows of a WRITE_ROWS event.
void JsonValues(const b::RowsEvent& event, const b::TableSchema& schema,
                std::vector<std::string_view>* out) {
  const std::vector<bool>& present =
      event.columns_before.empty() ? event.columns_after : event.columns_before;
  const size_t n = schema.columns.size();
  if (event.kind != b::RowsKind::kWrite || present.size() < n) return;
  ByteReader r(event.rows);
  for (int row = 0; row < kJsonRowsPerEvent && !r.empty(); ++row) {
    size_t count = 0;
    for (size_t i = 0; i < n; ++i) count += present[i] ? 1 : 0;
    std::string_view nulls;
    if (!r.ReadBytes((count + 7) / 8, &nulls)) return;
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!present[i]) continue;
      const bool is_null = (static_cast<uint8_t>(nulls[k / 8]) >> (k % 8)) & 1;
      ++k;
      if (is_null) continue;
      const b::ColumnSchema& column = schema.columns[i];
      if (column.type == b::kTypeJson && column.meta >= 1 && column.meta <= 4) {
        uint64_t len = 0;
        std::string_view len_bytes, doc;
        if (!r.ReadBytes(column.meta, &len_bytes)) return;
        for (size_t j = 0; j < len_bytes.size(); ++j) {
          len |= static_cast<uint64_t>(static_cast<uint8_t>(len_bytes[j])) << (8 * j);
        }
        if (!r.ReadBytes(len, &doc)) return;
        out->push_back(doc);
        continue;
      }
      cdc::v1::Value value;
      if (!b::DecodeValue(column, &r, &value).ok()) return;
    }
  }
}

struct FileState {
  std::string name;
  std::map<uint64_t, b::TableMap> tables;
  std::map<uint8_t, int> per_type;
  int rows = 0;
  int json = 0;
};

bool AddDecoded(const b::Event& event, FileState* file, CorpusWriter* writer) {
  if (const auto* map = std::get_if<b::TableMap>(&event.body)) {
    file->tables[map->table_id] = *map;
    return true;
  }
  const auto* rows = std::get_if<b::RowsEvent>(&event.body);
  if (rows == nullptr) return true;
  auto it = file->tables.find(rows->table_id);
  if (it == file->tables.end()) return true;
  std::string seed;
  if (file->rows < kRowsPerFile && EncodeRowsInput(it->second, *rows, &seed)) {
    std::string name = file->name + "-rows-" + std::to_string(file->rows++);
    if (!writer->Add("fuzz_binlog_rows", name, seed)) return false;
  }
  std::vector<std::string_view> docs;
  JsonValues(*rows, b::SchemaFromTableMap(it->second), &docs);
  for (std::string_view doc : docs) {
    if (file->json >= kJsonPerFile) break;
    std::string name = file->name + "-json-" + std::to_string(file->json++);
    if (!writer->Add("fuzz_binlog_json", name, doc)) return false;
  }
  return true;
}

bool SplitFile(const std::string& path, CorpusWriter* writer) {
  std::string bytes;
  if (!ReadFile(path, &bytes)) return false;
  b::FileReader reader(bytes);
  if (Status s = reader.Open(); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), s.ToString().c_str());
    return false;
  }
  FileState file;
  file.name = BaseName(path);
  b::EventDecoder decoder;
  for (int index = 0;; ++index) {
    auto next = reader.Next();
    if (!next.ok() || !next->has_value()) break;
    std::string_view raw = **next;
    if (raw.size() < b::kHeaderSize) break;
    const uint8_t type = static_cast<uint8_t>(raw[4]);
    std::string event(raw);
    if (type != static_cast<uint8_t>(b::EventType::kFormatDescription) &&
        decoder.format().checksum == b::ChecksumAlg::kCrc32 && event.size() >= 23) {
      event.resize(event.size() - 4);
      PatchEventSize(&event);
    }
    if (file.per_type[type]++ < kEventsPerType) {
      std::string seed(1, static_cast<char>(FlavourOf(decoder.format())));
      seed += event;
      std::string name = file.name + "-" + std::to_string(index) + "-" + b::EventTypeName(type);
      if (!writer->Add("fuzz_binlog_event", name, seed)) return false;
    }
    auto decoded = decoder.Decode(raw);
    if (!decoded.ok()) continue;
    if (!AddDecoded(*decoded, &file, writer)) return false;
    for (int inner = 0; inner < 100000; ++inner) {
      auto next_inner = decoder.NextPayloadEvent();
      if (!next_inner.ok() || !next_inner->has_value()) break;
      if (!AddDecoded(**next_inner, &file, writer)) return false;
    }
  }
  return true;
}

}  // namespace

int MakeBinlogCorpus(const std::string& out_root, int n_files, char** files) {
  CorpusWriter writer(out_root);
  for (int i = 0; i < n_files; ++i) {
    if (!SplitFile(files[i], &writer)) return 1;
  }
  writer.PrintSummary();
  return 0;
}

}  // namespace cdc::fuzz
