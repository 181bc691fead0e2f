#include "agent/join_state.h"

#include <algorithm>

namespace cdc::agent {

namespace {

using Columns = google::protobuf::RepeatedPtrField<cdc::v1::Column>;

// A stored row is this byte and the serialized Row, so that no row is ever
// the empty value that stands for a removal.
constexpr char kRowTag = 'r';

std::string Qualified(const TableShape& shape) { return shape.schema + "." + shape.table; }

// The join key of `image`'s row: its primary key columns' texts; false when
// the image lacks one, or it is NULL or unchanged.
bool KeyOf(const TableShape& shape, const Columns& image, std::string* key) {
  key->clear();
  if (image.empty()) return false;
  for (size_t index : shape.key) {
    const cdc::v1::Column* c = FindColumn(shape, index, image);
    if (c == nullptr || !transform::AppendJoinKeyPart(c->value(), key)) return false;
  }
  return true;
}

std::string KeyColumns(const TableShape& shape) {
  std::string out;
  for (size_t index : shape.key) {
    if (!out.empty()) out += ", ";
    out += shape.columns[index].name;
  }
  return out;
}

}  // namespace

JoinState::JoinState(const std::vector<transform::TransformSpec>& specs,
                     offsets::OffsetStore* store, std::string source, StateJournal* journal)
    : store_(store), source_(std::move(source)), journal_(journal), specs_(specs) {
  for (const transform::TransformSpec& spec : specs_) {
    if (spec.kind != transform::TransformSpec::Kind::kJoin) continue;
    Tracked& t = tables_[spec.join_from];
    for (const std::string& c : spec.join_columns) {
      if (std::find(t.columns.begin(), t.columns.end(), c) == t.columns.end()) {
        t.columns.push_back(c);
      }
    }
    t.joins.push_back(&spec);
  }
}

Status JoinState::CheckFrom(const TableShape& from, const transform::TransformSpec& spec) {
  const std::string table = Qualified(from);
  if (from.key.empty()) {
    return Status::InvalidArgument(spec.label + ": table " + table +
                                   " has no primary key, and a lookup join finds its rows by "
                                   "it; give the table a primary key or remove the join");
  }
  if (spec.join_on.size() != from.key.size()) {
    return Status::InvalidArgument(spec.label + ": on names " +
                                   std::to_string(spec.join_on.size()) +
                                   " column(s), but the primary key of " + table + " has " +
                                   std::to_string(from.key.size()) + " (" + KeyColumns(from) +
                                   "); name one column per key column, in key order");
  }
  for (const std::string& c : spec.join_columns) {
    if (std::none_of(from.columns.begin(), from.columns.end(),
                     [&](const TableShape::Column& sc) { return sc.name == c; })) {
      return Status::InvalidArgument(spec.label + ": columns: table " + table +
                                     " has no column '" + c + "'; fix the join's columns");
    }
  }
  return Status::OK();
}

bool JoinState::Needed(const std::vector<transform::TransformSpec>& specs) {
  return std::any_of(specs.begin(), specs.end(), [](const transform::TransformSpec& s) {
    return s.kind == transform::TransformSpec::Kind::kJoin;
  });
}

std::string JoinState::StateName(const std::string& table, const std::string& key) {
  std::string name(kPrefix);
  name += table;
  name += '/';
  name += key;
  return name;
}

Status JoinState::Track(const TableShapePtr& shape_ptr, const cdc::v1::ChangeEvent& event,
                        std::vector<std::pair<std::string, std::string>>* states) {
  const TableShape& shape = *shape_ptr;
  const std::string table = Qualified(shape);
  auto it = tables_.find(table);
  if (it == tables_.end()) return Status::OK();
  Tracked& tracked = it->second;
  if (tracked.checked != shape_ptr) {
    // A new shape of the table (at start, or after an ALTER).
    for (const transform::TransformSpec* join : tracked.joins) {
      CDC_RETURN_IF_ERROR(CheckFrom(shape, *join));
    }
    tracked.checked = shape_ptr;
  }
  std::string key;
  std::string old_key;
  switch (event.op()) {
    case cdc::v1::OP_INSERT:
    case cdc::v1::OP_READ:
      if (!KeyOf(shape, event.after(), &key)) return Status::OK();
      return Upsert(tracked, table, key, event.after(), nullptr, states);
    case cdc::v1::OP_UPDATE: {
      const bool has_new = KeyOf(shape, event.after(), &key);
      const bool has_old = KeyOf(shape, event.before(), &old_key);
      if (!has_new && !has_old) return Status::OK();
      if (!has_new) key = old_key;
      if (has_old && old_key != key) {
        // The key changed: the row moves.
        const std::string old_name = StateName(table, old_key);
        CDC_RETURN_IF_ERROR(Upsert(tracked, table, key, event.after(), &old_name, states));
        journal_->Stage(old_name, std::nullopt, states);
        return Status::OK();
      }
      const std::string name = StateName(table, key);
      return Upsert(tracked, table, key, event.after(), &name, states);
    }
    case cdc::v1::OP_DELETE:
      if (!KeyOf(shape, event.before(), &key)) return Status::OK();
      journal_->Stage(StateName(table, key), std::nullopt, states);
      return Status::OK();
    case cdc::v1::OP_TRUNCATE: {
      // Staged first: a staged row leaves the journal only once the store
      // has it, so read in this order none slips between the two.
      const std::string prefix = StateName(table, "");
      std::vector<std::string> names = journal_->StagedNames(prefix);
      CDC_ASSIGN_OR_RETURN(std::vector<std::string> stored, store_->ListStates(source_, prefix));
      for (std::string& name : stored) names.push_back(std::move(name));
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      for (std::string& name : names) journal_->Stage(std::move(name), std::nullopt, states);
      return Status::OK();
    }
    default: return Status::OK();
  }
}

Status JoinState::Upsert(const Tracked& tracked,
                         const std::string& table, const std::string& key, const Columns& image,
                         const std::string* old_name,
                         std::vector<std::pair<std::string, std::string>>* states) {
  cdc::v1::Row& row = scratch_row_;
  row.Clear();
  // An update's row starts from the stored one, for the columns the event
  // does not carry (an unchanged TOAST value, a minimal row image).
  if (old_name != nullptr) CDC_RETURN_IF_ERROR(Load(*old_name, &row).status());
  for (const std::string& name : tracked.columns) {
    const cdc::v1::Column* from = nullptr;
    for (const cdc::v1::Column& c : image) {
      if (c.name() == name) {
        from = &c;
        break;
      }
    }
    if (from == nullptr || from->value().kind_case() == cdc::v1::Value::kUnchanged) continue;
    cdc::v1::Column* to = nullptr;
    for (cdc::v1::Column& c : *row.mutable_columns()) {
      if (c.name() == name) {
        to = &c;
        break;
      }
    }
    if (to == nullptr) to = row.add_columns();
    *to = *from;
  }
  std::string value(1, kRowTag);
  row.AppendToString(&value);
  journal_->Stage(StateName(table, key), std::move(value), states);
  return Status::OK();
}

Result<bool> JoinState::Load(const std::string& name, cdc::v1::Row* row) {
  if (std::optional<std::optional<std::string>> staged = journal_->Staged(name)) {
    if (!*staged) return false;
    scratch_ = std::move(**staged);
  } else {
    CDC_ASSIGN_OR_RETURN(std::optional<std::string> stored, store_->GetState(source_, name));
    if (!stored) return false;
    scratch_ = std::move(*stored);
  }
  if (scratch_.empty() || scratch_[0] != kRowTag ||
      !row->ParseFromArray(scratch_.data() + 1, static_cast<int>(scratch_.size() - 1))) {
    return Status::Corruption("join state " + name + " is damaged; run " +
                              "`cdc-agent offsets reset --yes` for a new snapshot");
  }
  return true;
}

Result<const cdc::v1::Row*> JoinState::FindJoinRow(const std::string& from,
                                                   const std::string& key) {
  CDC_ASSIGN_OR_RETURN(bool found, Load(StateName(from, key), &found_));
  return found ? &found_ : nullptr;
}

}  // namespace cdc::agent
