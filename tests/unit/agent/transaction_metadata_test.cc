// Transaction metadata: BEGIN before a transaction's first event, END with
// the counts after its last, and each event's order in its transaction.
#include "agent/transaction_metadata.h"

#include <gtest/gtest.h>

#include <string>

namespace cdc::agent {
namespace {

void AddPg(Batch& batch, const std::string& table, cdc::v1::Op op, uint32_t xid,
           uint64_t commit_lsn) {
  OutEvent& out = batch.events.emplace_back();
  out.topic = "p.public." + table;
  out.event.set_op(op);
  cdc::v1::Source* s = out.event.mutable_source();
  s->set_kind(cdc::v1::SOURCE_KIND_POSTGRES);
  s->set_schema("public");
  s->set_table(table);
  s->set_transaction_id(xid);
  s->set_commit_time_us(1700000000123456);
  s->mutable_postgres()->set_lsn(commit_lsn - 100);
  s->mutable_postgres()->set_commit_lsn(commit_lsn);
}

TEST(TransactionMetadataTest, BeginEventsEnd) {
  TransactionMetadata tx(TransactionMetadata::TopicFor("p"));
  Batch batch;
  AddPg(batch, "orders", cdc::v1::OP_INSERT, 571, 53736280);
  tx.OnEvent(batch);
  AddPg(batch, "lines", cdc::v1::OP_INSERT, 571, 53736280);
  tx.OnEvent(batch);
  AddPg(batch, "orders", cdc::v1::OP_UPDATE, 571, 53736280);
  tx.OnEvent(batch);
  tx.OnCommit(batch);
  ASSERT_EQ(batch.events.size(), 5u);

  const OutEvent& begin = batch.events[0];
  EXPECT_EQ(begin.topic, "p.transaction");
  EXPECT_EQ(begin.event.op(), cdc::v1::OP_BEGIN);
  EXPECT_EQ(begin.event.transaction().id(), "571:53736280");
  EXPECT_EQ(begin.event.source().table(), "");
  EXPECT_EQ(begin.event.source().commit_time_us(), 1700000000123456);
  ASSERT_TRUE(begin.has_key);
  ASSERT_EQ(begin.key.columns_size(), 1);
  EXPECT_EQ(begin.key.columns(0).name(), "id");
  EXPECT_EQ(begin.key.columns(0).value().text_value(), "571:53736280");

  const uint64_t total[] = {1, 2, 3};
  const uint64_t per_table[] = {1, 1, 2};
  for (int i = 0; i < 3; ++i) {
    const cdc::v1::Transaction& t = batch.events[i + 1].event.transaction();
    EXPECT_EQ(t.id(), "571:53736280") << i;
    EXPECT_EQ(t.total_order(), total[i]) << i;
    EXPECT_EQ(t.data_collection_order(), per_table[i]) << i;
    EXPECT_EQ(t.event_count(), 0u) << i;
  }

  const OutEvent& end = batch.events[4];
  EXPECT_EQ(end.topic, "p.transaction");
  EXPECT_EQ(end.event.op(), cdc::v1::OP_COMMIT);
  EXPECT_EQ(end.event.source().postgres().lsn(), 53736280u) << "the commit's position";
  EXPECT_EQ(end.event.transaction().event_count(), 3u);
  ASSERT_EQ(end.event.transaction().data_collections_size(), 2);
  EXPECT_EQ(end.event.transaction().data_collections(0).data_collection(), "public.orders");
  EXPECT_EQ(end.event.transaction().data_collections(0).event_count(), 2u);
  EXPECT_EQ(end.event.transaction().data_collections(1).data_collection(), "public.lines");
  EXPECT_EQ(end.event.transaction().data_collections(1).event_count(), 1u);
}

// A resume inside a transaction skips the changes published before it: no
// second BEGIN, and the END and the orders count the skipped ones too.
TEST(TransactionMetadataTest, ResumeInsideATransactionCountsWhatItSkips) {
  TransactionMetadata tx(TransactionMetadata::TopicFor("p"));
  Batch batch;
  AddPg(batch, "orders", cdc::v1::OP_INSERT, 571, 53736280);
  tx.OnSkipped(batch, 0);
  AddPg(batch, "lines", cdc::v1::OP_INSERT, 571, 53736280);
  tx.OnSkipped(batch, 1);
  batch.events.clear();  // as the source drops what it skips
  AddPg(batch, "orders", cdc::v1::OP_UPDATE, 571, 53736280);
  tx.OnEvent(batch);
  tx.OnCommit(batch);
  ASSERT_EQ(batch.events.size(), 2u) << "no BEGIN: it went out before the resume";
  const cdc::v1::Transaction& t = batch.events[0].event.transaction();
  EXPECT_EQ(t.total_order(), 3u);
  EXPECT_EQ(t.data_collection_order(), 2u);
  const cdc::v1::ChangeEvent& end = batch.events[1].event;
  ASSERT_EQ(end.op(), cdc::v1::OP_COMMIT);
  EXPECT_EQ(end.transaction().event_count(), 3u);
  ASSERT_EQ(end.transaction().data_collections_size(), 2);
  EXPECT_EQ(end.transaction().data_collections(0).data_collection(), "public.orders");
  EXPECT_EQ(end.transaction().data_collections(0).event_count(), 2u);
  EXPECT_EQ(end.transaction().data_collections(1).event_count(), 1u);
}

TEST(TransactionMetadataTest, TransactionsWithoutEventsAndSnapshotRowsGetNone) {
  TransactionMetadata tx("p.transaction");
  Batch batch;
  tx.OnCommit(batch);  // a transaction on tables not captured
  EXPECT_TRUE(batch.events.empty());
  AddPg(batch, "orders", cdc::v1::OP_READ, 0, 0);
  batch.events.back().event.mutable_source()->set_snapshot(true);
  tx.OnEvent(batch);
  tx.OnCommit(batch);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_FALSE(batch.events[0].event.has_transaction());
}

TEST(TransactionMetadataTest, SpansBatchesAndTwoEventsOfOneRowChange) {
  TransactionMetadata tx("m.transaction");
  Batch first;
  OutEvent& e = first.events.emplace_back();
  e.event.set_op(cdc::v1::OP_INSERT);
  e.event.mutable_source()->set_schema("shop");
  e.event.mutable_source()->set_table("t");
  e.event.mutable_source()->mutable_mysql()->set_file("binlog.000001");
  e.event.mutable_source()->mutable_mysql()->set_pos(900);
  tx.OnEvent(first);
  ASSERT_EQ(first.events.size(), 2u);
  EXPECT_EQ(first.events[0].event.transaction().id(), "binlog.000001:900")
      << "without a GTID, the first row event's file:pos";

  // A key change: the DELETE and the INSERT of one row change.
  Batch second;
  second.events.emplace_back().event = first.events[1].event;
  second.events.back().event.set_op(cdc::v1::OP_DELETE);
  second.events.emplace_back().event = first.events[1].event;
  tx.OnEvents(second, 0);
  EXPECT_EQ(tx.open_id(), "binlog.000001:900");
  tx.OnCommit(second, "binlog.000001", 1500);
  EXPECT_EQ(second.events.back().event.source().mysql().pos(), 1500u);
  ASSERT_EQ(second.events.size(), 3u);
  EXPECT_EQ(second.events[0].event.transaction().total_order(), 2u);
  EXPECT_EQ(second.events[1].event.transaction().total_order(), 3u);
  EXPECT_EQ(second.events[1].event.transaction().data_collection_order(), 3u);
  EXPECT_EQ(second.events[2].event.op(), cdc::v1::OP_COMMIT);
  EXPECT_EQ(second.events[2].event.transaction().event_count(), 3u);
  EXPECT_EQ(tx.open_id(), "");

  // The next transaction starts afresh, named by its GTID.
  Batch third;
  OutEvent& g = third.events.emplace_back();
  g.event.set_op(cdc::v1::OP_INSERT);
  g.event.mutable_source()->mutable_mysql()->set_gtid("0-1-13563");
  tx.OnEvent(third);
  ASSERT_EQ(third.events.size(), 2u);
  EXPECT_EQ(third.events[0].event.op(), cdc::v1::OP_BEGIN);
  EXPECT_EQ(third.events[1].event.transaction().id(), "0-1-13563");
  EXPECT_EQ(third.events[1].event.transaction().total_order(), 1u);
}

}  // namespace
}  // namespace cdc::agent
