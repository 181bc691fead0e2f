// libFuzzer harness: PostgreSQL text output forms through TextToValue.
//   input := selector:u8 text...
// The selector picks a (type OID, typmod) from kTypes below: built-in types,
// their arrays, and an enum and a domain (with their arrays) registered as a
// source would register them from pg_type.
//
// Seed mode: fuzz_pgoutput_text --make-seeds OUT_DIR FILE.hex...
// writes one seed per text value found in captured pgoutput streams (the
// tests/data/pgoutput format: "<label> <hex>" per line), for columns whose
// type is in kTypes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "decoders/pgoutput/decoder.h"
#include "decoders/pgoutput/types.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using cdc::pgoutput::PgType;
using cdc::pgoutput::TypeRegistry;

constexpr uint32_t kMoodOid = 70001;
constexpr uint32_t kMoodArrayOid = 70002;
constexpr uint32_t kPosintOid = 70003;
constexpr uint32_t kPosintArrayOid = 70004;
constexpr uint32_t kUnknownOid = 99999;

constexpr int32_t Numeric(int32_t precision, int32_t scale) {
  return ((precision << 16) | scale) + 4;  // VARHDRSZ
}

struct TypeChoice {
  uint32_t oid;
  int32_t typmod;
};

constexpr TypeChoice kTypes[] = {
    {16, -1},   {17, -1},   {18, -1},   {19, -1},   {20, -1},   {21, -1},   {22, -1},
    {23, -1},   {25, -1},   {26, -1},   {27, -1},   {28, -1},   {114, -1},  {142, -1},
    {600, -1},  {601, -1},  {602, -1},  {603, -1},  {604, -1},  {628, -1},  {650, -1},
    {700, -1},  {701, -1},  {718, -1},  {774, -1},  {790, -1},  {829, -1},  {869, -1},
    {1042, -1}, {1042, 13}, {1043, -1}, {1043, 28}, {1082, -1}, {1083, -1}, {1083, 3},
    {1114, -1}, {1114, 3},  {1184, -1}, {1184, 0},  {1186, -1}, {1266, -1}, {1560, 8},
    {1562, -1}, {1700, -1}, {1700, Numeric(12, 4)}, {2950, -1}, {3220, -1}, {3614, -1},
    {3802, -1}, {3904, -1}, {3906, -1}, {3910, -1}, {3912, -1}, {4451, -1},
    // Arrays.
    {1000, -1}, {1001, -1}, {1005, -1}, {1007, -1}, {1016, -1}, {1009, -1}, {1015, -1},
    {1021, -1}, {1022, -1}, {1231, -1}, {1182, -1}, {1115, -1}, {1185, -1}, {1187, -1},
    {2951, -1}, {199, -1},  {3807, -1}, {1020, -1}, {1561, -1}, {1017, -1}, {3905, -1},
    // Registered user types, and one the registry does not know.
    {kMoodOid, -1}, {kMoodArrayOid, -1}, {kPosintOid, -1}, {kPosintArrayOid, -1},
    {kUnknownOid, -1},
};
constexpr size_t kTypeCount = sizeof(kTypes) / sizeof(kTypes[0]);

const TypeRegistry& Registry() {
  static const TypeRegistry* registry = [] {
    auto* r = new TypeRegistry();
    r->Add(PgType{kMoodOid, "mood", PgType::Kind::kEnum, 0, 0, ','});
    r->Add(PgType{kMoodArrayOid, "_mood", PgType::Kind::kArray, kMoodOid, 0, ','});
    r->Add(PgType{kPosintOid, "posint", PgType::Kind::kDomain, 0, 23, ','});
    r->Add(PgType{kPosintArrayOid, "_posint", PgType::Kind::kArray, kPosintOid, 0, ','});
    return r;
  }();
  return *registry;
}

// The selector for a column, or -1 when kTypes has no entry for its type.
int Selector(uint32_t oid, int32_t typmod) {
  int same_oid = -1;
  for (size_t i = 0; i < kTypeCount; ++i) {
    if (kTypes[i].oid != oid) continue;
    if (kTypes[i].typmod == typmod) return static_cast<int>(i);
    if (same_oid < 0) same_oid = static_cast<int>(i);
  }
  return same_oid;
}

struct Column {
  uint32_t oid;
  int32_t typmod;
};

// Walks the messages of captured streams and writes each text datum with the
// selector of its column's type.
int MakeSeeds(const std::string& out_dir, int n_files, char** files) {
  std::map<uint32_t, uint32_t> user_oids;  // captured OID -> our OID, by type name
  const std::map<std::string_view, uint32_t> kUserNames = {
      {"mood", kMoodOid}, {"_mood", kMoodArrayOid}, {"posint", kPosintOid},
      {"_posint", kPosintArrayOid}};
  std::map<uint32_t, std::vector<Column>> relations;
  std::set<std::string> seen;
  for (int f = 0; f < n_files; ++f) {
    std::string text;
    if (!cdc::fuzz::ReadFile(files[f], &text)) return 1;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == '#') continue;
      size_t space = line.rfind(' ');
      std::string bytes;
      if (space == std::string::npos || !cdc::fuzz::HexToBytes(line.substr(space + 1), &bytes)) {
        continue;
      }
      auto message = cdc::pgoutput::DecodeMessage(bytes);
      if (!message.ok()) continue;
      const cdc::pgoutput::Tuple* tuple = nullptr;
      uint32_t rel = 0;
      if (const auto* t = std::get_if<cdc::pgoutput::Type>(&*message)) {
        auto it = kUserNames.find(t->name);
        if (it != kUserNames.end()) user_oids[t->oid] = it->second;
      } else if (const auto* r = std::get_if<cdc::pgoutput::Relation>(&*message)) {
        auto& columns = relations[r->oid];
        columns.clear();
        for (const auto& c : r->columns) {
          auto alias = user_oids.find(c.type_oid);
          columns.push_back({alias != user_oids.end() ? alias->second : c.type_oid,
                             c.type_modifier});
        }
      } else if (const auto* i = std::get_if<cdc::pgoutput::Insert>(&*message)) {
        tuple = &i->new_tuple;
        rel = i->relation_oid;
      } else if (const auto* u = std::get_if<cdc::pgoutput::Update>(&*message)) {
        tuple = &u->new_tuple;
        rel = u->relation_oid;
      }
      if (tuple == nullptr) continue;
      const auto& columns = relations[rel];
      for (size_t c = 0; c < tuple->columns.size() && c < columns.size(); ++c) {
        const auto& datum = tuple->columns[c];
        if (datum.kind != cdc::pgoutput::DatumKind::kText) continue;
        int selector = Selector(columns[c].oid, columns[c].typmod);
        if (selector < 0) continue;
        std::string seed(1, static_cast<char>(selector));
        seed.append(datum.bytes);
        if (!seen.insert(seed).second) continue;
        char name[32];
        std::snprintf(name, sizeof(name), "text-%04zu", seen.size());
        if (!cdc::fuzz::WriteSeed(out_dir, name, seed)) return 1;
      }
    }
  }
  std::printf("fuzz_pgoutput_text: %zu seeds in %s\n", seen.size(), out_dir.c_str());
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  if (*argc >= 3 && std::strcmp((*argv)[1], "--make-seeds") == 0) {
    std::exit(MakeSeeds((*argv)[2], *argc - 3, *argv + 3));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const TypeChoice& type = kTypes[data[0] % kTypeCount];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  cdc::v1::Value value;
  cdc::Status s = cdc::pgoutput::TextToValue(Registry(), type.oid, type.typmod, text, &value);
  if (!s.ok() && s.message().empty()) std::abort();
  return 0;
}
