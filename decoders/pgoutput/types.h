// PostgreSQL type conversion: the text output format of a column value (what
// pgoutput sends) into an exact, typed cdc.v1.Value.
//
// Spec: https://www.postgresql.org/docs/15/datatype.html (text forms) and
// src/include/catalog/pg_type.dat for the built-in OIDs.
//
// Pure code: no I/O, no logging.
#pragma once

#include <cstdint>
#include <string>
#include <vector>
#include <string_view>
#include <unordered_map>

#include "cdc/v1/change_event.pb.h"
#include "common/status.h"

namespace cdc::pgoutput {

// What the converter needs to know about a type. Built-in types are known
// without a catalog; user types (enums, domains, arrays of them) are added by
// the caller from pg_type.
struct PgType {
  enum class Kind : uint8_t { kBase, kEnum, kDomain, kArray, kOther };
  uint32_t oid = 0;
  std::string name;      // pg_type.typname, e.g. "int4", "_text", "mood"
  Kind kind = Kind::kBase;
  uint32_t element_oid = 0;  // kArray: pg_type.typelem
  uint32_t base_oid = 0;     // kDomain: pg_type.typbasetype
  char delimiter = ',';      // array element delimiter (pg_type.typdelim)
  // kDomain: pg_type.typtypmod, the modifier of the base type ("timestamp(3)"
  // gives 3). A column of a domain has no modifier of its own (atttypmod -1).
  int32_t base_typmod = -1;
  // kEnum: the labels in their sort order, when the catalog reader filled
  // them in (values convert without them).
  std::vector<std::string> labels{};
};

// Maps type OIDs to PgType. Starts with PostgreSQL's built-in types.
// Not thread-safe; owned by the one reader thread of a source.
class TypeRegistry {
 public:
  TypeRegistry();
  TypeRegistry(const TypeRegistry& other) : types_(other.types_) { Index(); }
  TypeRegistry& operator=(const TypeRegistry& other);
  // A move keeps the map's nodes, so the index stays right.
  TypeRegistry(TypeRegistry&&) noexcept = default;
  TypeRegistry& operator=(TypeRegistry&&) noexcept = default;

  void Add(PgType type);
  // nullptr when the OID is unknown (the caller may look it up in pg_type).
  const PgType* Find(uint32_t oid) const {
    if (oid < direct_.size()) return direct_[oid];
    auto it = types_.find(oid);
    return it == types_.end() ? nullptr : &it->second;
  }

 private:
  // Every OID below this (the built-in types; user types start at 16384)
  // is found by index, not by hash: a lookup per value of every row.
  static constexpr uint32_t kDirectOids = 8192;
  void Index();

  std::unordered_map<uint32_t, PgType> types_;
  // The entries of `types_` by OID below kDirectOids, null where none; a
  // node of the map stays where it is while the map grows.
  std::vector<const PgType*> direct_;
};

// The name written into Column.type for a column of this type: the typname
// ("int4", "varchar", "_int4", "mood"), or "oid:<n>" for an unknown OID.
std::string TypeName(const TypeRegistry& registry, uint32_t oid);

// Converts `text`, the text output form of a non-null value of type `oid`
// (`typmod` is the column's atttypmod, -1 if none), into `out`. Domains
// convert as their base type with the domain's modifier, enums to enum_value, arrays to array_value with
// their elements converted (NULL elements as null). A type the converter does
// not know becomes raw_value with the text unchanged. Malformed text for a
// known type returns Corruption naming the type and the text; `out` is then
// unspecified.
Status TextToValue(const TypeRegistry& registry, uint32_t oid, int32_t typmod,
                   std::string_view text, cdc::v1::Value* out);

}  // namespace cdc::pgoutput
