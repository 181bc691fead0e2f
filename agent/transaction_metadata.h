// Transaction metadata (kafka.transaction_metadata): a BEGIN record before
// the first event a source transaction publishes and an END record
// (OP_COMMIT) after its last, on the "<topic_prefix>.transaction" topic, and
// on each change event its transaction's id and its order in it. Shared by
// both sources, which call it as they build events.
//
// Transactions that publish no event (changes to tables not captured) get no
// records; snapshot rows are outside any transaction. The records are keyed
// by the transaction id (a RowKey with one column "id"), so a compacted
// transaction topic keeps each transaction's END.
//
// Thread: the source's reader thread; not thread-safe.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "agent/batch.h"

namespace cdc::agent {

class TransactionMetadata {
 public:
  explicit TransactionMetadata(std::string topic) : topic_(std::move(topic)) {}

  // The transaction topic for a topic prefix.
  static std::string TopicFor(const std::string& topic_prefix) {
    return topic_prefix + ".transaction";
  }

  // Call once the change event at the back of `batch` is complete (source
  // and table filled). Sets its transaction block and, when it is the first
  // event of its transaction, inserts the BEGIN record before it: a
  // reference to the event taken before the call no longer holds.
  void OnEvent(Batch& batch) { OnEvents(batch, batch.events.size() - 1); }

  // The same for the events of `batch` from index `first` to its end (the
  // events of one source row change: an UPDATE that moved the row to
  // another key is two), all of one transaction.
  void OnEvents(Batch& batch, size_t first);

  // The events of `batch` from `first` on were published before a resume
  // inside their transaction (a restart, a reconnect), and are skipped now:
  // they count in the transaction (its END, the order of the events after
  // them) without a BEGIN, which was published with them. Leaves `batch`
  // as it is.
  void OnSkipped(const Batch& batch, size_t first);

  // Call at the source transaction's commit: appends the END record when the
  // transaction published an event, and forgets the transaction. The END's
  // source position is the commit's: for PostgreSQL the commit LSN, for
  // MySQL/MariaDB `mysql_file`:`mysql_pos` (the end of the commit event).
  // Calling it when no transaction is open does nothing, so a source may
  // also call it where a transaction begins, to close one whose commit it
  // did not see.
  void OnCommit(Batch& batch, const std::string& mysql_file = "", uint64_t mysql_pos = 0);

  // Forgets the open transaction without an END: the source lost it half
  // way (a reconnect) and will decode it again from its start.
  void Forget();

  const std::string& topic() const { return topic_; }
  // The id of the open transaction; empty when none is open.
  std::string open_id() const { return open_ ? id_ : std::string(); }

 private:
  static std::string IdOf(const cdc::v1::Source& source);
  // Starts the transaction of `event`: forgets any count.
  void Open(const cdc::v1::ChangeEvent& event);
  // Counts `e` in its table and the transaction; returns its order in its
  // table (total_ is its order in the transaction).
  uint64_t Count(const cdc::v1::ChangeEvent& e);

  const std::string topic_;
  bool open_ = false;
  std::string id_;
  cdc::v1::Source begin_source_;
  uint64_t total_ = 0;
  std::unordered_map<std::string, size_t> table_index_;  // "schema.table" -> counts_ index
  std::vector<cdc::v1::TableEventCount> counts_;
};

}  // namespace cdc::agent
