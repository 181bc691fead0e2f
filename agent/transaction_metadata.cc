#include "agent/transaction_metadata.h"

#include <cstddef>
#include <utility>

namespace cdc::agent {
namespace {

OutEvent Record(const std::string& topic, cdc::v1::Op op, const std::string& id,
                const cdc::v1::Source& source) {
  OutEvent out;
  out.topic = topic;
  out.has_key = true;
  cdc::v1::Column* key = out.key.add_columns();
  key->set_name("id");
  key->mutable_value()->set_text_value(id);
  out.event.set_op(op);
  *out.event.mutable_source() = source;
  out.event.mutable_transaction()->set_id(id);
  return out;
}

}  // namespace

std::string TransactionMetadata::IdOf(const cdc::v1::Source& source) {
  if (source.has_postgres()) {
    return std::to_string(source.transaction_id()) + ":" +
           std::to_string(source.postgres().commit_lsn());
  }
  if (!source.mysql().gtid().empty()) return source.mysql().gtid();
  return source.mysql().file() + ":" + std::to_string(source.mysql().pos());
}

void TransactionMetadata::Open(const cdc::v1::ChangeEvent& event) {
  open_ = true;
  id_ = IdOf(event.source());
  begin_source_ = event.source();
  begin_source_.clear_schema();
  begin_source_.clear_table();
  begin_source_.clear_event_index();
  total_ = 0;
  table_index_.clear();
  counts_.clear();
}

uint64_t TransactionMetadata::Count(const cdc::v1::ChangeEvent& e) {
  const std::string collection = e.source().schema() + "." + e.source().table();
  auto [it, added] = table_index_.try_emplace(collection, counts_.size());
  if (added) counts_.emplace_back().set_data_collection(collection);
  cdc::v1::TableEventCount& count = counts_[it->second];
  count.set_event_count(count.event_count() + 1);
  ++total_;
  return count.event_count();
}

void TransactionMetadata::OnEvents(Batch& batch, size_t first) {
  if (first >= batch.events.size()) return;
  const cdc::v1::ChangeEvent& event = batch.events[first].event;
  if (event.op() == cdc::v1::OP_READ || event.source().snapshot()) return;
  if (!open_) {
    Open(event);
    OutEvent begin = Record(topic_, cdc::v1::OP_BEGIN, id_, begin_source_);
    // Before the events: they are the last of the batch, so only they move.
    batch.events.insert(batch.events.begin() + static_cast<std::ptrdiff_t>(first),
                        std::move(begin));
    ++first;
  }
  for (size_t i = first; i < batch.events.size(); ++i) {
    cdc::v1::ChangeEvent& e = batch.events[i].event;
    const uint64_t in_table = Count(e);
    cdc::v1::Transaction* t = e.mutable_transaction();
    t->set_id(id_);
    t->set_total_order(total_);
    t->set_data_collection_order(in_table);
  }
}

void TransactionMetadata::OnSkipped(const Batch& batch, size_t first) {
  if (first >= batch.events.size()) return;
  const cdc::v1::ChangeEvent& event = batch.events[first].event;
  if (event.op() == cdc::v1::OP_READ || event.source().snapshot()) return;
  if (!open_) Open(event);
  for (size_t i = first; i < batch.events.size(); ++i) Count(batch.events[i].event);
}

void TransactionMetadata::Forget() {
  open_ = false;
  total_ = 0;
  counts_.clear();
  table_index_.clear();
}

void TransactionMetadata::OnCommit(Batch& batch, const std::string& mysql_file,
                                   uint64_t mysql_pos) {
  if (!open_) return;
  open_ = false;
  OutEvent end = Record(topic_, cdc::v1::OP_COMMIT, id_, begin_source_);
  cdc::v1::Source* source = end.event.mutable_source();
  if (source->has_postgres()) {
    source->mutable_postgres()->set_lsn(source->postgres().commit_lsn());
  } else if (!mysql_file.empty()) {
    source->mutable_mysql()->set_file(mysql_file);
    source->mutable_mysql()->set_pos(mysql_pos);
  }
  cdc::v1::Transaction* t = end.event.mutable_transaction();
  t->set_event_count(total_);
  for (auto& count : counts_) *t->add_data_collections() = std::move(count);
  counts_.clear();
  table_index_.clear();
  batch.events.push_back(std::move(end));
}

}  // namespace cdc::agent
