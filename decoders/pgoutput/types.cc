#include "decoders/pgoutput/types.h"

#include <utility>

#include "common/utf8.h"
#include "decoders/pgoutput/types_internal.h"

namespace cdc::pgoutput {
namespace {

using internal::Converter;

// Domains of domains and arrays of domains nest; a registry whose entries
// form a cycle must end in an error, not in a stack overflow.
constexpr int kMaxTypeDepth = 32;

// Converts as `type`, found for `oid` (null: a type the registry lacks).
Status ConvertAs(const TypeRegistry& registry, const PgType* type, uint32_t oid, int32_t typmod,
                 std::string_view text, cdc::v1::Value* out, int depth) {
  if (depth > kMaxTypeDepth) {
    return Status::Corruption("pgoutput: type oid " + std::to_string(oid) +
                              " nests domains or arrays more than " +
                              std::to_string(kMaxTypeDepth) + " deep");
  }
  if (type == nullptr) {
    out->mutable_raw_value()->mutable_text()->assign(text);
    return Status::OK();
  }
  switch (type->kind) {
    case PgType::Kind::kEnum:
      if (!cdc::IsValidUtf8(text)) return internal::Malformed(type->name, text, "not UTF-8");
      out->mutable_enum_value()->assign(text);
      return Status::OK();
    case PgType::Kind::kDomain:
      return ConvertAs(registry, registry.Find(type->base_oid), type->base_oid,
                       typmod >= 0 ? typmod : type->base_typmod, text, out, depth + 1);
    case PgType::Kind::kArray: {
      // The element type is found once for all the elements.
      const uint32_t element_oid = type->element_oid;
      const PgType* element = registry.Find(element_oid);
      auto convert = [&](std::string_view element_text, cdc::v1::Value* value) {
        return ConvertAs(registry, element, element_oid, typmod, element_text, value, depth + 1);
      };
      return internal::ParseArray(type->name, text, type->delimiter,
                                  internal::ElementConverter(convert), out->mutable_array_value());
    }
    case PgType::Kind::kBase:
    case PgType::Kind::kOther:
      break;
  }
  Converter converter = internal::ConverterFor(oid);
  switch (converter) {
    case Converter::kRaw:
      out->mutable_raw_value()->mutable_text()->assign(text);
      return Status::OK();
    case Converter::kDate:
    case Converter::kTime:
    case Converter::kTimeTz:
    case Converter::kTimestamp:
    case Converter::kTimestampTz:
    case Converter::kInterval:
      return internal::ConvertDateTime(converter, type->name, typmod, text, out);
    default:
      return internal::ConvertScalar(converter, type->name, typmod, text, out);
  }
}

}  // namespace

TypeRegistry::TypeRegistry() {
  types_.reserve(2 * internal::kBuiltinTypeCount);
  for (size_t i = 0; i < internal::kBuiltinTypeCount; ++i) {
    const internal::BuiltinType& b = internal::kBuiltinTypes[i];
    PgType base;
    base.oid = b.oid;
    base.name = b.name;
    base.kind = PgType::Kind::kBase;
    base.delimiter = b.delimiter;
    Add(std::move(base));
    if (b.array_oid != 0) {
      PgType array;
      array.oid = b.array_oid;
      array.name = std::string("_") + b.name;
      array.kind = PgType::Kind::kArray;
      array.element_oid = b.oid;
      array.delimiter = b.delimiter;
      Add(std::move(array));
    }
  }
}

TypeRegistry& TypeRegistry::operator=(const TypeRegistry& other) {
  if (this != &other) {
    types_ = other.types_;
    Index();
  }
  return *this;
}

void TypeRegistry::Add(PgType type) {
  uint32_t oid = type.oid;
  auto [it, inserted] = types_.insert_or_assign(oid, std::move(type));
  if (oid < kDirectOids) {
    if (direct_.size() < kDirectOids) direct_.resize(kDirectOids, nullptr);
    direct_[oid] = &it->second;
  }
}

void TypeRegistry::Index() {
  direct_.assign(kDirectOids, nullptr);
  for (const auto& [oid, type] : types_) {
    if (oid < kDirectOids) direct_[oid] = &type;
  }
}

std::string TypeName(const TypeRegistry& registry, uint32_t oid) {
  const PgType* type = registry.Find(oid);
  return type != nullptr ? type->name : "oid:" + std::to_string(oid);
}

Status TextToValue(const TypeRegistry& registry, uint32_t oid, int32_t typmod,
                   std::string_view text, cdc::v1::Value* out) {
  return ConvertAs(registry, registry.Find(oid), oid, typmod, text, out, 0);
}

namespace internal {

Status Malformed(std::string_view type, std::string_view text, std::string_view why) {
  constexpr size_t kMaxShown = 64;
  static const char kHex[] = "0123456789abcdef";
  std::string msg = "pgoutput: malformed ";
  msg.append(type);
  msg += " value \"";
  std::string_view shown = text.substr(0, kMaxShown);
  for (char c : shown) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      msg += "\\n";
    } else if (c == '"' || c == '\\') {
      msg += '\\';
      msg += c;
    } else if (u < 0x20 || u == 0x7f) {
      msg += "\\x";
      msg += kHex[u >> 4];
      msg += kHex[u & 15];
    } else {
      msg += c;
    }
  }
  msg += '"';
  if (text.size() > kMaxShown) msg += "... (" + std::to_string(text.size()) + " bytes)";
  if (!why.empty()) {
    msg += ": ";
    msg.append(why);
  }
  return Status::Corruption(std::move(msg));
}

}  // namespace internal
}  // namespace cdc::pgoutput
