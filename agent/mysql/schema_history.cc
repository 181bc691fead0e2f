#include "agent/mysql/schema_history.h"

#include <algorithm>
#include <charconv>

#include "cdc/internal/mysql_schema.pb.h"

namespace cdc::agent::mysql {

namespace {

// The numeric extension of a binlog file name, or -1 when there is none.
int64_t FileSequence(const std::string& file) {
  size_t dot = file.find_last_of('.');
  if (dot == std::string::npos || dot + 1 == file.size()) return -1;
  int64_t n = 0;
  const char* begin = file.data() + dot + 1;
  const char* end = file.data() + file.size();
  auto [ptr, ec] = std::from_chars(begin, end, n);
  if (ec != std::errc() || ptr != end) return -1;
  return n;
}

bool SameColumns(const InfoTable& a, const InfoTable& b) {
  if (a.columns.size() != b.columns.size() || a.charset != b.charset ||
      a.collation != b.collation || a.unknown != b.unknown) {
    return false;
  }
  for (size_t i = 0; i < a.columns.size(); ++i) {
    const InfoColumn& x = a.columns[i];
    const InfoColumn& y = b.columns[i];
    if (x.name != y.name || x.data_type != y.data_type || x.column_type != y.column_type ||
        x.charset != y.charset || x.collation != y.collation ||
        x.collation_id != y.collation_id || x.is_json != y.is_json ||
        x.key_ordinal != y.key_ordinal) {
      return false;
    }
  }
  return true;
}

}  // namespace

int CompareBinlogPos(const BinlogPos& a, const BinlogPos& b) {
  if (a.file != b.file) {
    int64_t sa = FileSequence(a.file);
    int64_t sb = FileSequence(b.file);
    if (sa != sb) return sa < sb ? -1 : 1;
    return a.file < b.file ? -1 : 1;
  }
  if (a.pos != b.pos) return a.pos < b.pos ? -1 : 1;
  return 0;
}

Status SchemaHistory::Load(offsets::OffsetStore* store, const std::string& source) {
  ++generation_;
  store_ = store;
  source_ = source;
  tables_.clear();
  databases_.clear();
  high_ = BinlogPos();
  unsent_.reset();
  CDC_ASSIGN_OR_RETURN(std::optional<std::string> blob, store->GetState(source, kStateName));
  if (!blob || blob->empty()) return Status::OK();
  unsent_ = *blob;
  cdc::internal::MysqlSchemaHistory history;
  if (!history.ParseFromString(*blob)) {
    return Status::Corruption("the stored MySQL schema history of source " + source +
                              " does not parse; run `cdc-agent offsets reset` to start over "
                              "with a new snapshot");
  }
  high_ = {history.high_file(), history.high_pos()};
  for (const auto& d : history.databases()) {
    databases_[d.name()] = DatabaseDefaults{d.charset(), d.collation()};
  }
  for (const auto& t : history.tables()) {
    auto& versions = tables_[{t.database(), t.table()}];
    for (const auto& v : t.versions()) {
      Version version;
      version.at = {v.file(), v.pos()};
      version.dropped = v.dropped();
      version.table.schema = t.database();
      version.table.table = t.table();
      version.table.charset = v.charset();
      version.table.collation = v.collation();
      version.table.unknown = v.unknown();
      for (const auto& c : v.columns()) {
        InfoColumn col;
        col.name = c.name();
        col.data_type = c.data_type();
        col.column_type = c.column_type();
        col.charset = c.charset();
        col.collation = c.collation();
        col.collation_id = static_cast<uint16_t>(c.collation_id());
        col.is_json = c.is_json();
        col.key_ordinal = c.key_ordinal();
        col.nullable = !c.not_null();
        version.table.columns.push_back(std::move(col));
      }
      versions.push_back(std::move(version));
    }
  }
  return Status::OK();
}

Status SchemaHistory::Save() {
  cdc::internal::MysqlSchemaHistory history;
  history.set_high_file(high_.file);
  history.set_high_pos(high_.pos);
  for (const auto& [name, d] : databases_) {
    auto* pd = history.add_databases();
    pd->set_name(name);
    pd->set_charset(d.charset);
    pd->set_collation(d.collation);
  }
  for (const auto& [key, versions] : tables_) {
    auto* t = history.add_tables();
    t->set_database(key.first);
    t->set_table(key.second);
    for (const auto& v : versions) {
      auto* pv = t->add_versions();
      pv->set_file(v.at.file);
      pv->set_pos(v.at.pos);
      pv->set_dropped(v.dropped);
      pv->set_charset(v.table.charset);
      pv->set_collation(v.table.collation);
      pv->set_unknown(v.table.unknown);
      for (const auto& c : v.table.columns) {
        auto* pc = pv->add_columns();
        pc->set_name(c.name);
        pc->set_data_type(c.data_type);
        pc->set_column_type(c.column_type);
        pc->set_charset(c.charset);
        pc->set_collation(c.collation);
        pc->set_collation_id(c.collation_id);
        pc->set_is_json(c.is_json);
        pc->set_key_ordinal(c.key_ordinal);
        pc->set_not_null(!c.nullable);
      }
    }
  }
  std::string blob = history.SerializeAsString();
  CDC_RETURN_IF_ERROR(store_->PutState(source_, kStateName, blob));
  unsent_ = std::move(blob);
  return Status::OK();
}

const SchemaHistory::Version* SchemaHistory::InEffect(const Key& key, const BinlogPos& at) const {
  auto it = tables_.find(key);
  if (it == tables_.end()) return nullptr;
  const Version* found = nullptr;
  for (const Version& v : it->second) {
    if (CompareBinlogPos(v.at, at) > 0) break;
    found = &v;
  }
  return found;
}

const InfoTable* SchemaHistory::Find(const std::string& db, const std::string& table,
                                     const BinlogPos& at) const {
  const Version* v = InEffect({db, table}, at);
  if (v == nullptr || v->dropped) return nullptr;
  return &v->table;
}

Catalog SchemaHistory::Latest() const {
  Catalog out;
  out.databases = databases_;
  for (const auto& [key, versions] : tables_) {
    if (!versions.empty() && !versions.back().dropped) out.tables[key] = versions.back().table;
  }
  return out;
}

Status SchemaHistory::Record(const BinlogPos& at, const Catalog& current) {
  if (!high_.file.empty() && CompareBinlogPos(at, high_) < 0) {
    return Status::InvalidArgument("schema history: recording at " + at.ToString() +
                                   " before the newest recorded position " + high_.ToString());
  }
  ++generation_;
  for (const auto& [key, table] : current.tables) {
    const Version* v = InEffect(key, at);
    if (v != nullptr && !v->dropped && SameColumns(v->table, table)) continue;
    auto& versions = tables_[key];
    // A version at the same position is replaced (a second read there).
    if (!versions.empty() && CompareBinlogPos(versions.back().at, at) == 0) versions.pop_back();
    versions.push_back(Version{at, false, table});
  }
  for (auto& [key, versions] : tables_) {
    if (current.tables.count(key) != 0 || versions.empty() || versions.back().dropped) continue;
    if (CompareBinlogPos(versions.back().at, at) == 0) versions.pop_back();
    Version dropped{at, true, InfoTable{key.first, key.second, {}, "", "", ""}};
    versions.push_back(std::move(dropped));
  }
  databases_ = current.databases;
  high_ = at;
  return Save();
}

}  // namespace cdc::agent::mysql
