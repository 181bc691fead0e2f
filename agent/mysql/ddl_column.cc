// Column definitions of CREATE TABLE and ALTER TABLE: the data types of
// https://dev.mysql.com/doc/refman/8.4/en/data-types.html and
// https://mariadb.com/kb/en/data-types/, turned into information_schema's
// DATA_TYPE and COLUMN_TYPE.
#include <algorithm>
#include <cctype>
#include <charconv>

#include "agent/mysql/ddl_lexer.h"

namespace cdc::agent::mysql::ddl {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

enum class Family {
  kInteger, kDecimal, kFloat, kDouble, kBit, kFsp, kPlain, kChar, kVarchar, kBinary,
  kVarbinary, kText, kBlob, kEnumSet, kJson, kVector,
};

struct TypeWord {
  std::string_view word;       // uppercase
  std::string_view data_type;  // information_schema DATA_TYPE
  Family family;
};

constexpr TypeWord kTypes[] = {
    {"TINYINT", "tinyint", Family::kInteger},     {"INT1", "tinyint", Family::kInteger},
    {"SMALLINT", "smallint", Family::kInteger},   {"INT2", "smallint", Family::kInteger},
    {"MEDIUMINT", "mediumint", Family::kInteger}, {"INT3", "mediumint", Family::kInteger},
    {"MIDDLEINT", "mediumint", Family::kInteger}, {"INT", "int", Family::kInteger},
    {"INTEGER", "int", Family::kInteger},         {"INT4", "int", Family::kInteger},
    {"BIGINT", "bigint", Family::kInteger},       {"INT8", "bigint", Family::kInteger},
    {"DECIMAL", "decimal", Family::kDecimal},     {"DEC", "decimal", Family::kDecimal},
    {"NUMERIC", "decimal", Family::kDecimal},     {"FIXED", "decimal", Family::kDecimal},
    {"FLOAT", "float", Family::kFloat},           {"FLOAT4", "float", Family::kFloat},
    {"DOUBLE", "double", Family::kDouble},        {"FLOAT8", "double", Family::kDouble},
    {"REAL", "double", Family::kDouble},          {"BIT", "bit", Family::kBit},
    {"DATE", "date", Family::kPlain},             {"YEAR", "year", Family::kPlain},
    {"TIME", "time", Family::kFsp},               {"DATETIME", "datetime", Family::kFsp},
    {"TIMESTAMP", "timestamp", Family::kFsp},     {"CHAR", "char", Family::kChar},
    {"CHARACTER", "char", Family::kChar},         {"VARCHAR", "varchar", Family::kVarchar},
    {"VARCHARACTER", "varchar", Family::kVarchar}, {"BINARY", "binary", Family::kBinary},
    {"VARBINARY", "varbinary", Family::kVarbinary}, {"TINYTEXT", "tinytext", Family::kText},
    {"TEXT", "text", Family::kText},              {"MEDIUMTEXT", "mediumtext", Family::kText},
    {"LONGTEXT", "longtext", Family::kText},      {"TINYBLOB", "tinyblob", Family::kBlob},
    {"BLOB", "blob", Family::kBlob},              {"MEDIUMBLOB", "mediumblob", Family::kBlob},
    {"LONGBLOB", "longblob", Family::kBlob},      {"ENUM", "enum", Family::kEnumSet},
    {"SET", "set", Family::kEnumSet},             {"JSON", "json", Family::kJson},
    {"GEOMETRY", "geometry", Family::kPlain},     {"POINT", "point", Family::kPlain},
    {"LINESTRING", "linestring", Family::kPlain}, {"POLYGON", "polygon", Family::kPlain},
    {"MULTIPOINT", "multipoint", Family::kPlain},
    {"MULTILINESTRING", "multilinestring", Family::kPlain},
    {"MULTIPOLYGON", "multipolygon", Family::kPlain},
    {"GEOMETRYCOLLECTION", "geometrycollection", Family::kPlain},
    {"GEOMCOLLECTION", "geomcollection", Family::kPlain},
    {"VECTOR", "vector", Family::kVector},        {"UUID", "uuid", Family::kPlain},
    {"INET4", "inet4", Family::kPlain},           {"INET6", "inet6", Family::kPlain},
};

// TEXT(n) and BLOB(n): the smallest type that holds n bytes.
std::string_view SizedLob(uint64_t bytes, bool text) {
  if (bytes < 256) return text ? "tinytext" : "tinyblob";
  if (bytes < 65536) return text ? "text" : "blob";
  if (bytes < (1u << 24)) return text ? "mediumtext" : "mediumblob";
  return text ? "longtext" : "longblob";
}

std::string_view BinaryOf(std::string_view text_type) {
  if (text_type == "char") return "binary";
  if (text_type == "varchar") return "varbinary";
  if (text_type == "tinytext") return "tinyblob";
  if (text_type == "text") return "blob";
  if (text_type == "mediumtext") return "mediumblob";
  if (text_type == "longtext") return "longblob";
  return text_type;
}

uint32_t MaxBytesPerChar(std::string_view charset) {
  if (charset == "utf8mb4" || charset == "utf16" || charset == "utf16le" || charset == "utf32" ||
      charset == "gb18030" || charset.empty()) {
    return 4;  // the table default is not known here: the widest
  }
  if (charset == "utf8mb3" || charset == "ujis" || charset == "eucjpms") return 3;
  if (charset == "ucs2" || charset == "sjis" || charset == "cp932" || charset == "gbk" ||
      charset == "big5" || charset == "euckr" || charset == "gb2312") {
    return 2;
  }
  return 1;
}

std::string QuoteLabel(const std::string& label) {
  std::string out = "'";
  for (char ch : label) {
    if (ch == '\'') out += "''";
    else if (ch == '\\') out += "\\\\";
    else out += ch;
  }
  return out + "'";
}

// The type's parenthesised arguments: numbers, or quoted labels for ENUM/SET
// (a charset introducer such as _utf8mb4 before a label is allowed).
bool ReadTypeArgs(Cursor& c, bool labels, std::vector<std::string>* args, std::string* error) {
  if (!c.AcceptSymbol('(')) return true;
  while (true) {
    if (labels && c.Peek().kind == Token::Kind::kWord && c.Peek().text[0] == '_' &&
        c.Peek(1).kind == Token::Kind::kString) {
      c.Next();
    }
    const Token& t = c.Peek();
    if (t.kind != (labels ? Token::Kind::kString : Token::Kind::kNumber)) {
      *error = "type arguments: unexpected '" + t.text + "' at offset " + std::to_string(t.offset);
      return false;
    }
    args->push_back(t.text);
    c.Next();
    if (c.AcceptSymbol(',')) continue;
    if (c.AcceptSymbol(')')) return true;
    *error = "type arguments: ',' or ')' expected at offset " + std::to_string(c.offset());
    return false;
  }
}

bool ToNumber(const std::string& text, uint64_t* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::string NormalCharset(std::string_view name) {
  std::string out = Lower(name);
  return out == "utf8" ? "utf8mb3" : out;
}

bool ReadJsonCheck(Cursor& c, std::string* column) {
  bool json = c.IsSymbol('(') && c.IsWord("JSON_VALID", 1) && c.IsSymbol('(', 2) &&
              (c.Peek(3).kind == Token::Kind::kWord ||
               c.Peek(3).kind == Token::Kind::kQuotedName) &&
              c.IsSymbol(')', 4) && c.IsSymbol(')', 5);
  if (json) *column = c.Peek(3).text;
  c.SkipItem();
  return json;
}

bool ReadColumnDef(Cursor& c, const ParseOptions& options, ColumnDef* def, Place* place,
                   std::string* after, std::string* error) {
  *place = Place::kLast;
  if (!c.Name(&def->name)) {
    *error = "column name expected at offset " + std::to_string(c.offset());
    return false;
  }
  // The type's words.
  const size_t type_offset = c.offset();
  bool national = c.Accept("NATIONAL");
  std::string word = c.Peek().kind == Token::Kind::kWord ? c.Peek().text : "";
  for (char& ch : word) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::string_view data_type;
  Family family = Family::kPlain;
  std::string implied;  // what an alias adds: "(1)" for BOOL, " unsigned" for SERIAL
  if (word == "BOOL" || word == "BOOLEAN") {
    c.Next();
    data_type = "tinyint";
    family = Family::kInteger;
    implied = "(1)";
  } else if (word == "SERIAL") {
    c.Next();
    data_type = "bigint";
    family = Family::kInteger;
    implied = " unsigned";
  } else if (word == "NCHAR" || word == "NVARCHAR") {
    c.Next();
    national = true;
    const bool varying = word == "NVARCHAR" || c.Accept("VARCHAR") || c.Accept("VARYING");
    data_type = varying ? "varchar" : "char";
    family = varying ? Family::kVarchar : Family::kChar;
  } else if (word == "LONG") {
    c.Next();
    if (c.Accept("VARBINARY")) {
      data_type = "mediumblob";
      family = Family::kBlob;
    } else {
      c.Accept("VARCHAR") || c.Accept({"CHAR", "VARYING"}) || c.Accept({"CHARACTER", "VARYING"});
      data_type = "mediumtext";
      family = Family::kText;
    }
  } else {
    auto it = std::find_if(std::begin(kTypes), std::end(kTypes),
                           [&](const TypeWord& t) { return t.word == word; });
    if (it == std::end(kTypes)) {
      *error = "column `" + def->name + "`: unknown data type '" + c.Peek().text +
               "' at offset " + std::to_string(type_offset);
      return false;
    }
    c.Next();
    data_type = it->data_type;
    family = it->family;
    if (family == Family::kChar && (c.Accept("VARYING") || c.Accept("VARCHAR"))) {
      data_type = "varchar";
      family = Family::kVarchar;
    }
    if (family == Family::kDouble) c.Accept("PRECISION");
    if (word == "REAL" && options.real_as_float) {
      data_type = "float";
      family = Family::kFloat;
    }
  }
  std::vector<std::string> args;
  if (!ReadTypeArgs(c, family == Family::kEnumSet, &args, error)) {
    *error = "column `" + def->name + "`: " + *error;
    return false;
  }
  // Attributes, to the end of the item.
  bool is_unsigned = !implied.empty() && implied == " unsigned";
  bool zerofill = false, byte = false;
  while (!c.AtEnd() && !c.IsSymbol(',') && !c.IsSymbol(')')) {
    if (c.Accept("UNSIGNED")) {
      is_unsigned = true;
    } else if (c.Accept("ZEROFILL")) {
      zerofill = is_unsigned = true;
    } else if (c.Accept("BINARY")) {
      def->binary_collation = true;
    } else if (c.Accept("BYTE")) {
      byte = true;
    } else if (c.Accept("ASCII")) {
      def->charset = "latin1";
    } else if (c.Accept("UNICODE")) {
      def->charset = "ucs2";
    } else if (c.Accept({"CHARACTER", "SET"}) || c.Accept("CHARSET")) {
      std::string name;
      if (!c.NameOrString(&name)) {
        *error = "column `" + def->name + "`: charset name expected at offset " +
                 std::to_string(c.offset());
        return false;
      }
      def->charset = NormalCharset(name);
    } else if (c.Accept("COLLATE")) {
      std::string name;
      if (!c.NameOrString(&name)) {
        *error = "column `" + def->name + "`: collation name expected at offset " +
                 std::to_string(c.offset());
        return false;
      }
      def->collation = Lower(name);
    } else if (c.Accept({"PRIMARY", "KEY"})) {
      def->primary_key = true;
    } else if (c.Accept("UNIQUE")) {
      c.Accept("KEY");
    } else if (c.Accept("KEY")) {
      def->primary_key = true;  // KEY alone in a column definition is PRIMARY KEY
    } else if (c.Accept("CHECK")) {
      std::string column;
      if (ReadJsonCheck(c, &column) && options.mariadb && column == def->name) def->is_json = true;
    } else if (c.Accept({"WITH", "SYSTEM", "VERSIONING"})) {
      *error = "column `" + def->name + "`: system-versioned tables are not followed";
      return false;
    } else if (c.Accept("FIRST")) {
      *place = Place::kFirst;
    } else if (c.Accept("AFTER")) {
      *place = Place::kAfter;
      if (!c.Name(after)) {
        *error = "column name expected after AFTER at offset " + std::to_string(c.offset());
        return false;
      }
    } else {
      c.SkipItem();
    }
  }
  if (byte && family == Family::kChar) def->charset = "binary";
  // COLUMN_TYPE from the type and its arguments.
  auto arg = [&](size_t i) -> uint64_t {
    uint64_t v = 0;
    return i < args.size() && ToNumber(args[i], &v) ? v : 0;
  };
  std::string type(data_type);
  std::string args_text;
  for (size_t i = 0; i < args.size(); ++i) args_text += (i ? "," : "") + args[i];
  switch (family) {
    case Family::kInteger:
    case Family::kBit:
    case Family::kFsp:
    case Family::kVector:
      if (!args.empty()) type += "(" + args_text + ")";
      else if (family == Family::kBit || implied == "(1)") type += "(1)";
      break;
    case Family::kDecimal:
      type += "(" + (args.empty() ? std::string("10") : args[0]) + "," +
              (args.size() > 1 ? args[1] : std::string("0")) + ")";
      break;
    case Family::kFloat:
      if (args.size() == 1 && arg(0) > 24) type = "double";
      else if (args.size() == 2) type += "(" + args_text + ")";
      break;
    case Family::kDouble:
      if (args.size() == 2) type += "(" + args_text + ")";
      break;
    case Family::kChar:
    case Family::kBinary:
      type += "(" + (args.empty() ? std::string("1") : args[0]) + ")";
      break;
    case Family::kVarchar:
    case Family::kVarbinary:
      if (args.size() != 1) {
        *error = "column `" + def->name + "`: " + type + " needs a length";
        return false;
      }
      type += "(" + args[0] + ")";
      break;
    case Family::kText:
    case Family::kBlob:
      if (!args.empty()) {
        uint64_t bytes = arg(0) * (family == Family::kText ? MaxBytesPerChar(def->charset) : 1);
        type = std::string(SizedLob(bytes, family == Family::kText));
      }
      break;
    case Family::kEnumSet: {
      type += "(";
      for (size_t i = 0; i < args.size(); ++i) type += (i ? "," : "") + QuoteLabel(args[i]);
      type += ")";
      break;
    }
    case Family::kJson:
      if (options.mariadb) {
        // MariaDB's JSON: LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin CHECK (json_valid(c)).
        type = "longtext";
        def->charset = "utf8mb4";
        def->collation = "utf8mb4_bin";
        def->textual = true;
      }
      def->is_json = true;
      break;
    case Family::kPlain:
      break;
  }
  if (national) def->charset = "utf8mb3";
  def->textual = def->textual || family == Family::kChar || family == Family::kVarchar ||
                 family == Family::kText || family == Family::kEnumSet;
  if (def->textual && family != Family::kEnumSet && family != Family::kJson &&
      (def->charset == "binary" || def->collation == "binary")) {
    // CHAR(n) CHARACTER SET binary is BINARY(n), TEXT ... is BLOB.
    std::string_view binary = BinaryOf(std::string_view(type).substr(0, type.find('(')));
    type = std::string(binary) + (type.find('(') == std::string::npos ? "" : type.substr(type.find('(')));
    def->textual = false;
    def->charset.clear();
    def->collation.clear();
  }
  if (is_unsigned && (family == Family::kInteger || family == Family::kDecimal ||
                      family == Family::kFloat || family == Family::kDouble)) {
    type += " unsigned";
  }
  if (zerofill) type += " zerofill";
  def->column_type = type;
  def->data_type = type.substr(0, type.find_first_of("( "));
  return true;
}

}  // namespace cdc::agent::mysql::ddl
