// The pgoutput stream captured from PostgreSQL 15 for
// tests/tools/pgoutput_capture/workload.sql, decoded once per test binary.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "decoders/pgoutput/decoder.h"
#include "decoders/pgoutput/types.h"
#include "tests/unit/decoders/pgoutput/types_test_util.h"

namespace cdc::pgoutput::testing {

struct Captured {
  std::string label;
  std::string bytes;
};

inline std::vector<Captured> LoadCapture() {
  std::ifstream in(std::string(CDC_TEST_DATA_DIR) + "/pgoutput/pg15_stream.hex");
  EXPECT_TRUE(in) << "missing capture file";
  std::vector<Captured> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Captured c;
    std::string hex;
    fields >> c.label >> hex;
    EXPECT_EQ(hex.size() % 2, 0u) << line;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
      c.bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    out.push_back(std::move(c));
  }
  return out;
}

class CaptureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    captured_ = new std::vector<Captured>(LoadCapture());
    messages_ = new std::vector<Message>();
    for (const Captured& c : *captured_) {
      Result<Message> m = DecodeMessage(c.bytes);
      ASSERT_TRUE(m.ok()) << c.label << ": " << m.status().ToString();
      messages_->push_back(*m);
    }
  }
  static void TearDownTestSuite() {
    delete messages_;
    delete captured_;
  }

  template <typename T>
  static std::vector<T> All() {
    std::vector<T> out;
    for (const Message& m : *messages_) {
      if (std::holds_alternative<T>(m)) out.push_back(std::get<T>(m));
    }
    return out;
  }

  static const Relation& RelationNamed(std::string_view name) {
    static std::map<std::string, Relation>* by_name = new std::map<std::string, Relation>();
    for (const Relation& r : All<Relation>()) by_name->emplace(std::string(r.name), r);
    return (*by_name)[std::string(name)];
  }

  template <typename T>
  static std::vector<T> ChangesOf(std::string_view relation) {
    uint32_t oid = RelationNamed(relation).oid;
    std::vector<T> out;
    for (const T& change : All<T>()) {
      if (change.relation_oid == oid) out.push_back(change);
    }
    return out;
  }

  // The registry a source builds from the Type messages and pg_type.
  static TypeRegistry Registry() {
    TypeRegistry registry;
    for (const Type& t : All<Type>()) {
      if (t.name == "mood") registry.Add(PgType{t.oid, "mood", PgType::Kind::kEnum});
      // pgoutput names a domain by its base type.
      if (t.name == "int4") registry.Add(PgType{t.oid, "posint", PgType::Kind::kDomain, 0, 23});
    }
    for (const Type& t : All<Type>()) {
      for (const Type& e : All<Type>()) {
        std::string element = e.name == "int4" ? "posint" : std::string(e.name);
        if (t.name == "_" + element) {
          registry.Add(PgType{t.oid, std::string(t.name), PgType::Kind::kArray, e.oid});
        }
      }
    }
    return registry;
  }

  // Converts the text columns of a tuple of `relation` by column name.
  static std::map<std::string, cdc::v1::Value> Values(const Relation& relation, const Tuple& t) {
    TypeRegistry registry = Registry();
    std::map<std::string, cdc::v1::Value> out;
    EXPECT_EQ(t.columns.size(), relation.columns.size());
    for (size_t i = 0; i < t.columns.size() && i < relation.columns.size(); ++i) {
      const RelationColumn& col = relation.columns[i];
      cdc::v1::Value& v = out[std::string(col.name)];
      if (t.columns[i].kind == DatumKind::kNull) {
        v.set_null(true);
      } else if (t.columns[i].kind == DatumKind::kUnchanged) {
        v.set_unchanged(true);
      } else {
        v = testing::Convert(registry, col.type_oid, t.columns[i].bytes, col.type_modifier);
      }
    }
    return out;
  }

  inline static std::vector<Captured>* captured_ = nullptr;
  inline static std::vector<Message>* messages_ = nullptr;
};

}  // namespace cdc::pgoutput::testing
