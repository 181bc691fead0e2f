#include "agent/mysql/schema_catalog.h"

#include <algorithm>
#include <cctype>

#include "decoders/binlog/charset.h"

namespace cdc::agent::mysql {
namespace {

using ddl::AlterOp;
using ddl::ColumnDef;
using ddl::Statement;

constexpr size_t kQuotedStatementMax = 300;

// Column names compare without case, as the server compares them.
bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string CharsetOfCollationName(const std::string& collation) {
  if (collation == "binary") return "binary";
  return ddl::NormalCharset(collation.substr(0, collation.find('_')));
}

class Applier {
 public:
  Applier(std::string_view sql, const DdlContext& ctx, Catalog* catalog)
      : sql_(sql), ctx_(ctx), catalog_(*catalog) {}

  std::vector<TableKey> Run(const Statement& s) {
    using K = Statement::Kind;
    if (s.temporary) return {};  // the session's own: never in rows events
    switch (s.kind) {
      case K::kIgnored:
      case K::kTruncate:
        break;
      case K::kUnparsed:
        if (s.tables.empty()) {
          if (ctx_.tracked(ctx_.default_db)) unknown_.emplace_back();
          break;
        }
        for (const auto& t : s.tables) MarkUnknown(Key(t), s.error);
        break;
      case K::kCreateTable: CreateTable(s); break;
      case K::kAlterTable: AlterTable(s); break;
      case K::kRenameTables:
        for (const auto& [from, to] : s.renames) Rename(Key(from), Key(to));
        break;
      case K::kDropTables:
        for (const auto& t : s.tables) catalog_.tables.erase(Key(t));
        break;
      case K::kCreateDatabase:
        if (s.if_not_exists && catalog_.databases.count(s.database)) break;
        catalog_.databases[s.database] = DatabaseDefaults{Charset(s.charset, s.collation),
                                                          s.collation};
        break;
      case K::kAlterDatabase: {
        std::string db = s.database.empty() ? ctx_.default_db : s.database;
        if (s.charset.empty() && s.collation.empty()) break;
        catalog_.databases[db] = DatabaseDefaults{Charset(s.charset, s.collation), s.collation};
        break;
      }
      case K::kDropDatabase:
        catalog_.databases.erase(s.database);
        for (auto it = catalog_.tables.begin(); it != catalog_.tables.end();) {
          it = it->first.first == s.database ? catalog_.tables.erase(it) : std::next(it);
        }
        break;
    }
    return std::move(unknown_);
  }

 private:
  TableKey Key(const ddl::TableRef& t) const {
    TableKey key{t.db.empty() ? ctx_.default_db : t.db, t.table};
    if (ctx_.lowercase_names) {
      for (std::string* name : {&key.first, &key.second}) {
        for (char& c : *name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    return key;
  }

  bool Tracked(const TableKey& key) const { return ctx_.tracked(key.first); }

  // The charset named, or the one the collation belongs to.
  static std::string Charset(const std::string& charset, const std::string& collation) {
    if (!charset.empty()) return charset;
    return collation.empty() ? "" : CharsetOfCollationName(collation);
  }

  void MarkUnknown(const TableKey& key, const std::string& why) {
    if (!Tracked(key)) return;
    InfoTable t{key.first, key.second, {}, "", "", ""};
    t.unknown = DescribeStatement(sql_, ctx_.where, why);
    catalog_.tables[key] = std::move(t);
    unknown_.push_back(key);
  }

  // The table default for a new table in `db`.
  DatabaseDefaults DefaultsOf(const std::string& db) const {
    auto it = catalog_.databases.find(db);
    if (it != catalog_.databases.end() && !it->second.charset.empty()) return it->second;
    return DatabaseDefaults{ctx_.server_charset, ""};
  }

  // A column as information_schema would show it in `table`.
  static InfoColumn ColumnOf(const ColumnDef& def, const InfoTable& table) {
    InfoColumn c;
    c.name = def.name;
    c.data_type = def.data_type;
    c.column_type = def.column_type;
    c.is_json = def.is_json;
    if (def.textual) {
      c.charset = Charset(def.charset, def.collation);
      c.collation = def.collation;
      if (c.charset.empty()) {
        c.charset = table.charset;
        if (c.collation.empty()) c.collation = table.collation;
      }
      if (c.charset.empty()) c.charset = "utf8mb4";  // nothing known: the common default
      if (def.binary_collation && c.collation.empty()) c.collation = c.charset + "_bin";
      c.collation_id = binlog::FirstCollationOf(c.charset);
    }
    return c;
  }

  static int Find(const InfoTable& t, std::string_view name) {
    for (size_t i = 0; i < t.columns.size(); ++i) {
      if (SameName(t.columns[i].name, name)) return static_cast<int>(i);
    }
    return -1;
  }

  // Sets the primary key to `names`, in order; false when one is missing.
  static bool SetPrimaryKey(InfoTable* t, const std::vector<std::string>& names) {
    for (auto& c : t->columns) c.key_ordinal = 0;
    for (size_t k = 0; k < names.size(); ++k) {
      int i = Find(*t, names[k]);
      if (i < 0) return false;
      t->columns[static_cast<size_t>(i)].key_ordinal = static_cast<uint32_t>(k + 1);
    }
    return true;
  }

  static void RenumberKey(InfoTable* t) {
    std::vector<InfoColumn*> key;
    for (auto& c : t->columns) {
      if (c.key_ordinal > 0) key.push_back(&c);
    }
    std::sort(key.begin(), key.end(),
              [](const InfoColumn* a, const InfoColumn* b) { return a->key_ordinal < b->key_ordinal; });
    for (size_t k = 0; k < key.size(); ++k) key[k]->key_ordinal = static_cast<uint32_t>(k + 1);
  }

  void CreateTable(const Statement& s) {
    const TableKey key = Key(s.table);
    if (!Tracked(key)) return;
    if (s.if_not_exists && catalog_.tables.count(key) != 0) return;
    if (s.has_like) {
      auto src = catalog_.tables.find(Key(s.like));
      if (src == catalog_.tables.end() || !src->second.unknown.empty()) {
        MarkUnknown(key, "copies " + Key(s.like).first + "." + Key(s.like).second +
                             ", whose columns are not known");
        return;
      }
      InfoTable copy = src->second;
      copy.schema = key.first;
      copy.table = key.second;
      catalog_.tables[key] = std::move(copy);
      return;
    }
    if (s.columns_unknown) {
      MarkUnknown(key, "CREATE TABLE ... SELECT without a column list");
      return;
    }
    InfoTable t{key.first, key.second, {}, "", "", ""};
    if (!s.charset.empty() || !s.collation.empty()) {
      t.charset = Charset(s.charset, s.collation);
      t.collation = s.collation;
    } else {
      DatabaseDefaults d = DefaultsOf(key.first);
      t.charset = d.charset;
      t.collation = d.collation;
    }
    std::vector<std::string> pk = s.primary_key;
    for (const ColumnDef& def : s.columns) {
      if (Find(t, def.name) >= 0) return MarkUnknown(key, "column `" + def.name + "` twice");
      t.columns.push_back(ColumnOf(def, t));
      if (def.primary_key) pk = {def.name};
    }
    if (!SetPrimaryKey(&t, pk)) return MarkUnknown(key, "a primary key column is not a column");
    catalog_.tables[key] = std::move(t);
  }

  // Inserts `c` at `place` (after `after`); false when `after` is missing.
  static bool Insert(InfoTable* t, InfoColumn c, ddl::Place place, const std::string& after) {
    size_t at = t->columns.size();
    if (place == ddl::Place::kFirst) at = 0;
    if (place == ddl::Place::kAfter) {
      int i = Find(*t, after);
      if (i < 0) return false;
      at = static_cast<size_t>(i) + 1;
    }
    t->columns.insert(t->columns.begin() + static_cast<std::ptrdiff_t>(at), std::move(c));
    return true;
  }

  // One ALTER TABLE operation; an error text when it does not fit.
  std::string Alter(InfoTable* t, const AlterOp& op) {
    using K = AlterOp::Kind;
    switch (op.kind) {
      case K::kAddColumn: {
        if (Find(*t, op.def.name) >= 0) {
          return op.if_not_exists ? "" : "column `" + op.def.name + "` exists already";
        }
        if (!Insert(t, ColumnOf(op.def, *t), op.place, op.after)) return "no column `" + op.after + "`";
        if (op.def.primary_key) SetPrimaryKey(t, {op.def.name});
        return "";
      }
      case K::kModifyColumn:
      case K::kChangeColumn: {
        const std::string& name = op.kind == K::kModifyColumn ? op.def.name : op.column;
        int i = Find(*t, name);
        if (i < 0) return op.if_exists ? "" : "no column `" + name + "`";
        InfoColumn c = ColumnOf(op.def, *t);
        c.key_ordinal = t->columns[static_cast<size_t>(i)].key_ordinal;
        t->columns.erase(t->columns.begin() + i);
        if (op.place == ddl::Place::kLast) {
          t->columns.insert(t->columns.begin() + i, std::move(c));
        } else if (!Insert(t, std::move(c), op.place, op.after)) {
          return "no column `" + op.after + "`";
        }
        if (op.def.primary_key) SetPrimaryKey(t, {op.def.name});
        return "";
      }
      case K::kRenameColumn: {
        int i = Find(*t, op.column);
        if (i < 0) return op.if_exists ? "" : "no column `" + op.column + "`";
        t->columns[static_cast<size_t>(i)].name = op.new_name;
        return "";
      }
      case K::kDropColumn: {
        int i = Find(*t, op.column);
        if (i < 0) return op.if_exists ? "" : "no column `" + op.column + "`";
        t->columns.erase(t->columns.begin() + i);
        RenumberKey(t);
        return "";
      }
      case K::kAddPrimaryKey:
        return SetPrimaryKey(t, op.key_columns) ? "" : "a primary key column is not a column";
      case K::kDropPrimaryKey:
        for (auto& c : t->columns) c.key_ordinal = 0;
        return "";
      case K::kJsonCheck: {
        int i = Find(*t, op.column);
        if (i >= 0) t->columns[static_cast<size_t>(i)].is_json = true;
        return "";
      }
      case K::kConvertCharset:
      case K::kDefaultCharset: {
        t->charset = Charset(op.charset, op.collation);
        t->collation = op.collation;
        if (op.kind == K::kConvertCharset) {
          for (auto& c : t->columns) {
            if (c.charset.empty() || c.is_json) continue;  // not a text column
            c.charset = t->charset;
            c.collation = t->collation;
            c.collation_id = binlog::FirstCollationOf(c.charset);
          }
        }
        return "";
      }
      case K::kRenameTable:
        return "";  // after the other operations
    }
    return "";
  }

  void AlterTable(const Statement& s) {
    const TableKey key = Key(s.table);
    auto it = catalog_.tables.find(key);
    if (it == catalog_.tables.end()) {
      if (!s.if_exists) MarkUnknown(key, "a table whose columns are not known");
      return;
    }
    if (!it->second.unknown.empty()) {
      unknown_.push_back(key);  // stays unknown, with its first reason
    } else {
      InfoTable t = it->second;
      for (const AlterOp& op : s.ops) {
        std::string error = Alter(&t, op);
        if (!error.empty()) return MarkUnknown(key, error);
      }
      it->second = std::move(t);
    }
    for (const AlterOp& op : s.ops) {
      if (op.kind == AlterOp::Kind::kRenameTable) Rename(key, Key(op.new_table));
    }
  }

  void Rename(const TableKey& from, const TableKey& to) {
    auto it = catalog_.tables.find(from);
    if (it == catalog_.tables.end()) {
      MarkUnknown(to, "renamed from " + from.first + "." + from.second +
                          ", whose columns are not known");
      return;
    }
    InfoTable t = std::move(it->second);
    catalog_.tables.erase(it);
    if (!Tracked(to)) return;
    t.schema = to.first;
    t.table = to.second;
    if (!t.unknown.empty()) unknown_.push_back(to);
    catalog_.tables[to] = std::move(t);
  }

  std::string_view sql_;
  const DdlContext& ctx_;
  Catalog& catalog_;
  std::vector<TableKey> unknown_;
};

}  // namespace

std::string DescribeStatement(std::string_view sql, const std::string& where,
                              const std::string& why) {
  std::string quoted(sql.substr(0, kQuotedStatementMax));
  for (char& c : quoted) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (sql.size() > kQuotedStatementMax) quoted += "...";
  return "\"" + quoted + "\" at " + where + " (" + why + ")";
}

std::vector<TableKey> ApplyDdl(const ddl::Statement& stmt, std::string_view sql,
                               const DdlContext& ctx, Catalog* catalog) {
  return Applier(sql, ctx, catalog).Run(stmt);
}

}  // namespace cdc::agent::mysql
