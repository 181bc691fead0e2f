#include "agent/mysql/ddl_parser.h"

#include <cctype>

#include "agent/mysql/ddl_lexer.h"

namespace cdc::agent::mysql::ddl {
namespace {

using Kind = Statement::Kind;

// First words of statements that cannot change a table's columns.
constexpr std::string_view kIgnoredAfterCreate[] = {
    "USER", "ROLE", "VIEW", "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "INDEX", "UNIQUE",
    "FULLTEXT", "SPATIAL", "SERVER", "TABLESPACE", "LOGFILE", "SEQUENCE", "AGGREGATE",
    "PACKAGE", "RESOURCE", "UNDO", "DEFINER", "ALGORITHM", "SQL", "OR", "ONLINE", "OFFLINE",
};
constexpr std::string_view kIgnoredAfterAlter[] = {
    "USER", "ROLE", "VIEW", "EVENT", "FUNCTION", "PROCEDURE", "SERVER", "TABLESPACE", "LOGFILE",
    "INSTANCE", "RESOURCE", "SEQUENCE", "UNDO", "DEFINER", "ALGORITHM", "SQL", "PACKAGE",
};

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const ParseOptions& options)
      : c_(tokens), options_(options) {}

  Statement Run() {
    if (c_.Accept("CREATE")) {
      Create();
    } else if (c_.Accept("ALTER")) {
      Alter();
    } else if (c_.Accept("DROP")) {
      Drop();
    } else if (c_.Accept("RENAME")) {
      if (c_.Accept("TABLE") || c_.Accept("TABLES")) RenameTables();
    } else if (c_.Accept("TRUNCATE")) {
      c_.Accept("TABLE");
      s_.kind = Kind::kTruncate;
      Table(&s_.table) && Rest();
    }
    // Anything else (DML in statement format, SET, GRANT, FLUSH, ...) is
    // kIgnored: no change of columns.
    return std::move(s_);
  }

 private:
  // `where`: false when `what` names its offset already.
  bool Fail(const std::string& what, bool where = true) {
    if (s_.kind == Kind::kUnparsed) return false;  // the first error stands
    if (!s_.table.table.empty() && s_.tables.empty()) s_.tables.push_back(s_.table);
    s_.kind = Kind::kUnparsed;
    s_.error = where ? what + " at offset " + std::to_string(c_.offset()) : what;
    return false;
  }

  // INDEX, KEY, UNIQUE, ...: a key that is not the primary key.
  bool AtSecondaryKey() const {
    for (std::string_view w : {"INDEX", "KEY", "UNIQUE", "FULLTEXT", "SPATIAL", "FOREIGN"}) {
      if (c_.IsWord(w)) return true;
    }
    // MariaDB 11.7 and MySQL 9 vector indexes.
    return c_.IsWord("VECTOR") && (c_.IsWord("INDEX", 1) || c_.IsWord("KEY", 1));
  }

  // What remains of the statement may only be options that change nothing.
  bool Rest() {
    while (!c_.AtEnd()) c_.SkipItem();
    return true;
  }

  bool Table(TableRef* out) {
    std::string first;
    if (!c_.Name(&first)) return Fail("table name expected");
    if (c_.IsSymbol('.')) {
      c_.Next();
      out->db = first;
      if (!c_.Name(&out->table)) return Fail("table name expected after '.'");
    } else {
      out->table = first;
    }
    return true;
  }

  bool IfExists() { return c_.Accept({"IF", "EXISTS"}); }
  bool IfNotExists() { return c_.Accept({"IF", "NOT", "EXISTS"}); }

  // [DEFAULT] CHARACTER SET|CHARSET [=] x, [DEFAULT] COLLATE [=] y: true when
  // one was read into charset/collation.
  bool CharsetOption(std::string* charset, std::string* collation) {
    size_t ahead = c_.IsWord("DEFAULT") ? 1 : 0;
    bool is_charset = c_.IsWord("CHARSET", ahead) ||
                      (c_.IsWord("CHARACTER", ahead) && c_.IsWord("SET", ahead + 1));
    bool is_collate = c_.IsWord("COLLATE", ahead);
    if (!is_charset && !is_collate) return false;
    if (ahead) c_.Next();
    c_.Accept({"CHARACTER", "SET"}) || c_.Accept("CHARSET") || c_.Accept("COLLATE");
    c_.AcceptSymbol('=');
    std::string name;
    if (!c_.NameOrString(&name)) return Fail("charset or collation name expected");
    if (is_charset) {
      *charset = NormalCharset(name);
    } else {
      *collation = name;
      for (char& ch : *collation) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    return true;
  }

  void Create() {
    c_.Accept({"OR", "REPLACE"});
    if (c_.Accept("TEMPORARY")) s_.temporary = true;
    if (c_.Accept("TABLE")) return CreateTable();
    if (c_.Accept("DATABASE") || c_.Accept("SCHEMA")) {
      s_.kind = Kind::kCreateDatabase;
      s_.if_not_exists = IfNotExists();
      if (!c_.Name(&s_.database)) {
        Fail("database name expected");
        return;
      }
      DatabaseOptions();
      return;
    }
    Unless(kIgnoredAfterCreate, "CREATE");
  }

  template <size_t N>
  void Unless(const std::string_view (&ignored)[N], const char* verb) {
    for (std::string_view w : ignored) {
      if (c_.IsWord(w)) return;  // kIgnored
    }
    Fail(std::string("unknown ") + verb + " statement");
  }

  void DatabaseOptions() {
    while (!c_.AtEnd()) {
      if (!CharsetOption(&s_.charset, &s_.collation)) c_.SkipItem();
      if (s_.kind == Kind::kUnparsed) return;
    }
  }

  // CREATE TABLE, after TABLE.
  void CreateTable() {
    s_.kind = Kind::kCreateTable;
    s_.if_not_exists = IfNotExists();
    if (!Table(&s_.table)) return;
    if (c_.Accept("LIKE") || (c_.IsSymbol('(') && c_.IsWord("LIKE", 1))) {
      bool paren = c_.AcceptSymbol('(');
      if (paren) c_.Next();  // LIKE
      s_.has_like = true;
      if (!Table(&s_.like)) return;
      if (paren && !c_.AcceptSymbol(')')) Fail("')' expected");
      return;
    }
    bool has_list = c_.IsSymbol('(') && !c_.IsWord("SELECT", 1) && !c_.IsWord("WITH", 1);
    if (has_list) {
      c_.Next();
      while (true) {
        if (!Element()) return;
        if (c_.AcceptSymbol(',')) continue;
        if (c_.AcceptSymbol(')')) break;
        Fail("',' or ')' expected in the column list");
        return;
      }
    }
    // Table options, then perhaps the SELECT of CREATE ... SELECT.
    while (!c_.AtEnd()) {
      if (c_.Accept({"WITH", "SYSTEM", "VERSIONING"})) {
        Fail("system-versioned tables are not followed");
        return;
      }
      if (c_.IsWord("SELECT") || c_.IsWord("AS") || c_.IsWord("WITH") || c_.IsWord("TABLE") ||
          c_.IsWord("VALUES") || (c_.IsSymbol('(') && (c_.IsWord("SELECT", 1) || c_.IsWord("WITH", 1)))) {
        // Rows format binlogs carry CREATE ... SELECT with the column list
        // the server made; a statement without one gives no columns here.
        if (!has_list) s_.columns_unknown = true;
        return;
      }
      if (c_.Accept({"START", "TRANSACTION"})) continue;  // MySQL 8 atomic CREATE ... SELECT
      if (!CharsetOption(&s_.charset, &s_.collation)) c_.SkipItem();
      if (s_.kind == Kind::kUnparsed) return;
    }
    if (!has_list) Fail("no column list");
  }

  // One item of CREATE TABLE's list: a column, a key or a check.
  bool Element() {
    if (c_.Accept("CONSTRAINT")) {
      if (!c_.IsWord("PRIMARY") && !c_.IsWord("UNIQUE") && !c_.IsWord("FOREIGN") &&
          !c_.IsWord("CHECK")) {
        std::string ignored_name;
        c_.Name(&ignored_name);
      }
    }
    if (c_.Accept({"PRIMARY", "KEY"})) return KeyColumns(&s_.primary_key);
    if (c_.Accept("CHECK")) {
      std::string column;
      if (ReadJsonCheck(c_, &column) && options_.mariadb) json_checks_.push_back(column);
      ApplyJsonChecks();
      c_.SkipToItemEnd();
      return true;
    }
    if (c_.IsWord("PERIOD") && c_.IsWord("FOR", 1) && c_.IsWord("SYSTEM_TIME", 2)) {
      return Fail("system-versioned tables are not followed");
    }
    if (AtSecondaryKey() || c_.IsWord("PERIOD")) {
      c_.SkipToItemEnd();
      return true;
    }
    ColumnDef def;
    Place place;
    std::string after, error;
    if (!ReadColumnDef(c_, options_, &def, &place, &after, &error)) return Fail(error, false);
    s_.columns.push_back(std::move(def));
    ApplyJsonChecks();
    return true;
  }

  // Table-level json_valid checks may come before or after their column.
  void ApplyJsonChecks() {
    for (const std::string& j : json_checks_) {
      for (ColumnDef& d : s_.columns) d.is_json = d.is_json || d.name == j;
    }
  }

  // [index_type] (key_part, ...) [options]: the plain column names.
  bool KeyColumns(std::vector<std::string>* out) {
    while (!c_.AtEnd() && !c_.IsSymbol('(')) c_.Next();  // USING BTREE, a name
    if (!c_.AcceptSymbol('(')) return Fail("'(' expected before the key columns");
    while (true) {
      std::string name;
      if (c_.IsSymbol('(')) return Fail("an expression in a primary key is not followed");
      if (!c_.Name(&name)) return Fail("key column expected");
      out->push_back(name);
      c_.SkipToItemEnd();  // (length), ASC, DESC
      if (c_.AcceptSymbol(',')) continue;
      if (c_.AcceptSymbol(')')) break;
      return Fail("',' or ')' expected in the key columns");
    }
    c_.SkipToItemEnd();
    return true;
  }

  void Alter() {
    c_.Accept("ONLINE") || c_.Accept("OFFLINE");
    c_.Accept("IGNORE");
    if (c_.Accept("TABLE")) return AlterTable();
    if (c_.Accept("DATABASE") || c_.Accept("SCHEMA")) {
      s_.kind = Kind::kAlterDatabase;
      if (!c_.IsWord("DEFAULT") && !c_.IsWord("CHARACTER") && !c_.IsWord("CHARSET") &&
          !c_.IsWord("COLLATE") && !c_.IsWord("READ") && !c_.IsWord("ENCRYPTION") &&
          !c_.IsWord("COMMENT")) {
        c_.Name(&s_.database);
      }
      DatabaseOptions();
      return;
    }
    Unless(kIgnoredAfterAlter, "ALTER");
  }

  void AlterTable() {
    s_.kind = Kind::kAlterTable;
    s_.if_exists = IfExists();
    if (!Table(&s_.table)) return;
    if (c_.Accept("WAIT")) c_.Next();
    c_.Accept("NOWAIT");
    while (!c_.AtEnd()) {
      if (!AlterSpec()) return;
      if (!c_.AcceptSymbol(',') && !c_.AtEnd()) {
        // Partition options follow the last spec without a comma.
        Rest();
      }
    }
  }

  bool ColumnOp(AlterOp op) {
    std::string error;
    if (!ReadColumnDef(c_, options_, &op.def, &op.place, &op.after, &error)) {
      return Fail(error, false);
    }
    s_.ops.push_back(std::move(op));
    return true;
  }

  // One ALTER TABLE specification, up to its ',' (not consumed).
  bool AlterSpec() {
    AlterOp op;
    using K = AlterOp::Kind;
    if (c_.Accept("ADD")) {
      if (c_.Accept({"SYSTEM", "VERSIONING"}) ||
          (c_.IsWord("PERIOD") && c_.IsWord("FOR", 1) && c_.IsWord("SYSTEM_TIME", 2))) {
        return Fail("system versioning is not followed");
      }
      if (c_.Accept("CONSTRAINT")) {
        if (!c_.IsWord("PRIMARY") && !c_.IsWord("UNIQUE") && !c_.IsWord("FOREIGN") &&
            !c_.IsWord("CHECK")) {
          c_.Accept({"IF", "NOT", "EXISTS"});
          std::string ignored_name;
          c_.Name(&ignored_name);
        }
      }
      if (c_.Accept({"PRIMARY", "KEY"})) {
        op.kind = K::kAddPrimaryKey;
        if (!KeyColumns(&op.key_columns)) return false;
        s_.ops.push_back(std::move(op));
        return true;
      }
      if (c_.Accept("CHECK")) {
        op.kind = K::kJsonCheck;
        if (ReadJsonCheck(c_, &op.column) && options_.mariadb) s_.ops.push_back(op);
        c_.SkipToItemEnd();
        return true;
      }
      if (AtSecondaryKey() || c_.IsWord("PARTITION") || c_.IsWord("PERIOD")) {
        c_.SkipToItemEnd();
        return true;
      }
      c_.Accept("COLUMN");
      op.kind = K::kAddColumn;
      op.if_not_exists = IfNotExists();
      if (c_.AcceptSymbol('(')) {
        // ADD (a INT, b INT): each goes last, in order.
        while (true) {
          AlterOp each = op;
          if (!ColumnOp(std::move(each))) return false;
          if (c_.AcceptSymbol(',')) continue;
          if (c_.AcceptSymbol(')')) return true;
          return Fail("',' or ')' expected in ADD (...)");
        }
      }
      return ColumnOp(std::move(op));
    }
    if (c_.Accept("DROP")) {
      if (c_.Accept({"PRIMARY", "KEY"})) {
        op.kind = K::kDropPrimaryKey;
        s_.ops.push_back(std::move(op));
        return true;
      }
      if (c_.Accept({"SYSTEM", "VERSIONING"})) return Fail("system versioning is not followed");
      for (std::string_view w : {"INDEX", "KEY", "FOREIGN", "CHECK", "CONSTRAINT", "PARTITION",
                                 "PERIOD"}) {
        if (c_.IsWord(w)) {
          c_.SkipToItemEnd();
          return true;
        }
      }
      c_.Accept("COLUMN");
      op.kind = K::kDropColumn;
      op.if_exists = IfExists();
      if (!c_.Name(&op.column)) return Fail("column name expected after DROP");
      c_.SkipToItemEnd();  // RESTRICT, CASCADE
      s_.ops.push_back(std::move(op));
      return true;
    }
    if (c_.Accept("MODIFY")) {
      c_.Accept("COLUMN");
      op.kind = K::kModifyColumn;
      op.if_exists = IfExists();
      return ColumnOp(std::move(op));
    }
    if (c_.Accept("CHANGE")) {
      c_.Accept("COLUMN");
      op.kind = K::kChangeColumn;
      op.if_exists = IfExists();
      if (!c_.Name(&op.column)) return Fail("column name expected after CHANGE");
      return ColumnOp(std::move(op));
    }
    if (c_.Accept("RENAME")) {
      if (c_.Accept("INDEX") || c_.Accept("KEY")) {
        c_.SkipToItemEnd();
        return true;
      }
      if (c_.Accept("COLUMN")) {
        op.kind = K::kRenameColumn;
        op.if_exists = IfExists();
        if (!c_.Name(&op.column) || !c_.Accept("TO") || !c_.Name(&op.new_name)) {
          return Fail("RENAME COLUMN a TO b expected");
        }
        s_.ops.push_back(std::move(op));
        return true;
      }
      c_.Accept("TO") || c_.Accept("AS");
      op.kind = K::kRenameTable;
      if (!Table(&op.new_table)) return false;
      s_.ops.push_back(std::move(op));
      return true;
    }
    if (c_.Accept({"CONVERT", "TO"})) {
      op.kind = K::kConvertCharset;
      if (!CharsetOption(&op.charset, &op.collation)) return Fail("CHARACTER SET expected");
      while (CharsetOption(&op.charset, &op.collation)) {
      }
      if (s_.kind == Kind::kUnparsed) return false;
      s_.ops.push_back(std::move(op));
      c_.SkipToItemEnd();
      return true;
    }
    if (CharsetOption(&op.charset, &op.collation)) {
      op.kind = K::kDefaultCharset;
      while (CharsetOption(&op.charset, &op.collation)) {
      }
      if (s_.kind == Kind::kUnparsed) return false;
      s_.ops.push_back(std::move(op));
      c_.SkipToItemEnd();
      return true;
    }
    if (s_.kind == Kind::kUnparsed) return false;
    // ALTER COLUMN defaults, indexes, ENGINE, AUTO_INCREMENT, ALGORITHM, LOCK,
    // FORCE, ORDER BY, partitions, ...: the columns stay as they are.
    c_.SkipToItemEnd();
    return true;
  }

  void Drop() {
    if (c_.Accept("TEMPORARY")) s_.temporary = true;
    if (c_.Accept("TABLE") || c_.Accept("TABLES")) {
      s_.kind = Kind::kDropTables;
      s_.if_exists = IfExists();
      while (true) {
        TableRef t;
        if (!Table(&t)) return;
        s_.tables.push_back(std::move(t));
        if (!c_.AcceptSymbol(',')) break;
      }
      Rest();  // RESTRICT, CASCADE, WAIT n, NOWAIT
      return;
    }
    if (c_.Accept("DATABASE") || c_.Accept("SCHEMA")) {
      s_.kind = Kind::kDropDatabase;
      s_.if_exists = IfExists();
      if (!c_.Name(&s_.database)) Fail("database name expected");
    }
    // DROP INDEX, VIEW, USER, TRIGGER, ...: no change of columns.
  }

  void RenameTables() {
    s_.kind = Kind::kRenameTables;
    IfExists();
    while (true) {
      TableRef from, to;
      if (!Table(&from)) return;
      s_.tables.push_back(from);
      if (!c_.Accept("TO")) {
        Fail("TO expected in RENAME TABLE");
        return;
      }
      if (!Table(&to)) return;
      s_.tables.push_back(to);
      s_.renames.emplace_back(std::move(from), std::move(to));
      if (!c_.AcceptSymbol(',')) break;
    }
    s_.tables.clear();
    Rest();
  }

  Cursor c_;
  const ParseOptions& options_;
  Statement s_;
  std::vector<std::string> json_checks_;
};

}  // namespace

Statement Parse(std::string_view sql, const ParseOptions& options) {
  std::vector<Token> tokens;
  std::string error;
  if (!Tokenize(sql, options, &tokens, &error)) {
    Statement s;
    s.kind = Statement::Kind::kUnparsed;
    s.error = error;
    return s;
  }
  return Parser(tokens, options).Run();
}

uint32_t VersionNumber(std::string_view server_version) {
  uint32_t parts[3] = {0, 0, 0};
  size_t i = 0;
  for (int p = 0; p < 3; ++p) {
    if (i >= server_version.size() || !std::isdigit(static_cast<unsigned char>(server_version[i]))) {
      return 0;
    }
    while (i < server_version.size() && std::isdigit(static_cast<unsigned char>(server_version[i]))) {
      parts[p] = parts[p] * 10 + static_cast<uint32_t>(server_version[i++] - '0');
      if (parts[p] > 99) return 0;
    }
    if (p < 2) {
      if (i >= server_version.size() || server_version[i] != '.') return 0;
      ++i;
    }
  }
  return parts[0] * 10000 + parts[1] * 100 + parts[2];
}

}  // namespace cdc::agent::mysql::ddl
