// The join state: for each table a lookup join reads from (a `join`
// transform's `from`), the columns the joins add, by the table's primary
// key, kept up to date from that table's own events as the dispatch stage
// sees them, so that a lookup sees the table as of the event's own place in
// the log and never queries the database.
//
// Where it lives: a row is a state blob "join/<schema.table>/<key>" (a
// serialized cdc.v1.Row) of the source, on its way to offsets.path through
// the StateJournal (agent/state_journal.h): with exactly-once delivery it is
// also in the Kafka offsets topic, committed with the events, and comes
// back from there when offsets.path is lost.
//
// Thread: the dispatcher's.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/state_journal.h"
#include "agent/table_shape.h"
#include "agent/transform/chain.h"
#include "agent/transform/spec.h"
#include "cdc/v1/change_event.pb.h"
#include "common/status.h"
#include "offsets/offset_store.h"

namespace cdc::agent {

class JoinState final : public transform::JoinLookup {
 public:
  // The names of join rows begin with this.
  static constexpr std::string_view kPrefix = "join/";

  // Tracks the `from` table of each join in `specs`; stages its changes in
  // `journal` (which must outlive it).
  JoinState(const std::vector<transform::TransformSpec>& specs, offsets::OffsetStore* store,
            std::string source, StateJournal* journal);

  // Whether join `spec` can read table `from`: it has a primary key of as
  // many columns as `on`, and the columns the join adds.
  static Status CheckFrom(const TableShape& from, const transform::TransformSpec& spec);

  // True when some transform of `specs` is a join.
  static bool Needed(const std::vector<transform::TransformSpec>& specs);

  // The tables the joins read ("schema.table").
  std::vector<std::string> Tables() const {
    std::vector<std::string> out;
    for (const auto& [name, tracked] : tables_) out.push_back(name);
    return out;
  }

  // True when events of `table` ("schema.table") change the state.
  bool Tracks(const std::string& table) const { return tables_.count(table) > 0; }

  // Takes a row change of a tracked table, as the source gave it, into the
  // state, and adds what it changed to `states` (the batch's, for Kafka). An
  // error is a table a join cannot read (no primary key, or one of another
  // number of columns than a join's `on`).
  Status Track(const TableShapePtr& shape, const cdc::v1::ChangeEvent& event,
               std::vector<std::pair<std::string, std::string>>* states);

  // JoinLookup. The row stays valid until the next call.
  Result<const cdc::v1::Row*> FindJoinRow(const std::string& from,
                                          const std::string& key) override;

  // The state name of the row of `table` under `key`.
  static std::string StateName(const std::string& table, const std::string& key);

 private:
  struct Tracked {
    std::vector<std::string> columns;  // union of what the joins read
    // The joins reading the table.
    std::vector<const transform::TransformSpec*> joins;
    TableShapePtr checked;  // the last shape CheckFrom passed
  };
  // The current row (staged, else stored) into `row`; false when none.
  Result<bool> Load(const std::string& name, cdc::v1::Row* row);
  Status Upsert(const Tracked& tracked, const std::string& table, const std::string& key,
                const google::protobuf::RepeatedPtrField<cdc::v1::Column>& image,
                const std::string* old_name,
                std::vector<std::pair<std::string, std::string>>* states);

  offsets::OffsetStore* const store_;
  const std::string source_;
  StateJournal* const journal_;
  std::vector<transform::TransformSpec> specs_;
  std::map<std::string, Tracked, std::less<>> tables_;
  cdc::v1::Row found_;
  cdc::v1::Row scratch_row_;
  std::string scratch_;
};

}  // namespace cdc::agent
