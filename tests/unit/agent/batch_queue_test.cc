#include <gtest/gtest.h>
#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <chrono>
#include <latch>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/batch.h"

namespace cdc::agent {
namespace {

using std::chrono::milliseconds;

// Long enough never to expire in a passing run; a Pop that should return at
// once but waits this long fails the test by its ctest timeout.
constexpr auto kLongWait = std::chrono::seconds(60);

offsets::Position Lsn(uint64_t lsn) { return offsets::Position::Postgres(lsn); }

// A batch recognisable by its end position and its event count.
Batch MakeBatch(uint64_t id) {
  Batch b;
  b.end_position = Lsn(id);
  for (uint64_t i = 0; i < id % 3; ++i) b.events.emplace_back().topic = "t" + std::to_string(id);
  return b;
}

uint64_t IdOf(const std::optional<Batch>& b) { return b && b->end_position ? b->end_position->lsn : 0; }

// An ordered record of what the threads of a test did.
class EventLog {
 public:
  void Add(std::string event) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> events_;
};

TEST(BatchQueueTest, FifoOrderWithBatchContents) {
  BatchQueue queue(8);
  for (uint64_t id = 1; id <= 5; ++id) ASSERT_TRUE(queue.Push(MakeBatch(id)));
  Batch unpositioned;
  unpositioned.events.emplace_back().topic = "mid-transaction";
  ASSERT_TRUE(queue.Push(std::move(unpositioned)));

  for (uint64_t id = 1; id <= 5; ++id) {
    std::optional<Batch> b = queue.Pop(milliseconds(0));
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(IdOf(b), id);
    EXPECT_EQ(b->events.size(), id % 3);
    if (!b->events.empty()) {
      EXPECT_EQ(b->events[0].topic, "t" + std::to_string(id));
    }
  }
  std::optional<Batch> last = queue.Pop(milliseconds(0));
  ASSERT_TRUE(last.has_value());
  EXPECT_FALSE(last->end_position.has_value());
  ASSERT_EQ(last->events.size(), 1u);
  EXPECT_EQ(last->events[0].topic, "mid-transaction");
  EXPECT_FALSE(queue.closed_and_empty());
}

TEST(BatchQueueTest, PopOnEmptyOpenQueueTimesOut) {
  BatchQueue queue(2);
  EXPECT_FALSE(queue.Pop(milliseconds(0)).has_value());
  EXPECT_FALSE(queue.Pop(milliseconds(5)).has_value());
  EXPECT_FALSE(queue.closed_and_empty());
  // The queue still works after a timed-out Pop.
  ASSERT_TRUE(queue.Push(MakeBatch(9)));
  EXPECT_EQ(IdOf(queue.Pop(milliseconds(0))), 9u);
}

TEST(BatchQueueTest, FifoAcrossThreadsThroughASmallQueue) {
  constexpr uint64_t kBatches = 2000;
  BatchQueue queue(3);
  std::thread producer([&] {
    for (uint64_t id = 1; id <= kBatches; ++id) {
      if (!queue.Push(MakeBatch(id))) return;
    }
    queue.Close();
  });
  std::vector<uint64_t> seen;
  while (true) {
    std::optional<Batch> b = queue.Pop(kLongWait);
    if (!b) break;
    seen.push_back(IdOf(b));
  }
  producer.join();
  ASSERT_EQ(seen.size(), kBatches);
  for (uint64_t i = 0; i < kBatches; ++i) ASSERT_EQ(seen[i], i + 1) << "at index " << i;
  EXPECT_TRUE(queue.closed_and_empty());
}

TEST(BatchQueueTest, PushBlocksWhileFullUntilAPop) {
  BatchQueue queue(1);
  ASSERT_TRUE(queue.Push(MakeBatch(1)));
  EventLog log;
  std::latch producer_started(1);
  bool pushed = false;
  std::thread producer([&] {
    producer_started.count_down();
    pushed = queue.Push(MakeBatch(2));
    log.Add("push 2 returned");
  });
  producer_started.wait();
  // Gives a Push that wrongly does not block the chance to return first; the
  // assertion below is on the order of events, not on this delay.
  std::this_thread::sleep_for(milliseconds(20));
  log.Add("pop 1 starting");
  std::optional<Batch> first = queue.Pop(kLongWait);
  producer.join();
  std::optional<Batch> second = queue.Pop(kLongWait);

  EXPECT_TRUE(pushed);
  EXPECT_EQ(log.events(), (std::vector<std::string>{"pop 1 starting", "push 2 returned"}));
  EXPECT_EQ(IdOf(first), 1u);
  EXPECT_EQ(IdOf(second), 2u);
}

TEST(BatchQueueTest, PopBlocksUntilAPush) {
  BatchQueue queue(1);
  EventLog log;
  std::latch consumer_started(1);
  std::optional<Batch> got;
  std::thread consumer([&] {
    consumer_started.count_down();
    got = queue.Pop(kLongWait);
    log.Add("pop returned");
  });
  consumer_started.wait();
  std::this_thread::sleep_for(milliseconds(20));
  log.Add("push 5");
  ASSERT_TRUE(queue.Push(MakeBatch(5)));
  consumer.join();
  EXPECT_EQ(log.events(), (std::vector<std::string>{"push 5", "pop returned"}));
  EXPECT_EQ(IdOf(got), 5u);
}

TEST(BatchQueueTest, CloseReleasesABlockedPushWhichFails) {
  BatchQueue queue(1);
  ASSERT_TRUE(queue.Push(MakeBatch(1)));
  EventLog log;
  std::latch producer_started(1);
  std::atomic<int> push_result{-1};
  std::thread producer([&] {
    producer_started.count_down();
    push_result = queue.Push(MakeBatch(2)) ? 1 : 0;
    log.Add("push 2 returned");
  });
  producer_started.wait();
  std::this_thread::sleep_for(milliseconds(20));
  log.Add("close");
  queue.Close();
  producer.join();

  EXPECT_EQ(push_result.load(), 0) << "a Push released by Close drops its batch";
  EXPECT_EQ(log.events(), (std::vector<std::string>{"close", "push 2 returned"}));
  EXPECT_FALSE(queue.closed_and_empty()) << "batch 1 is still queued";
  // Pop drains what was queued before Close, then reports the end at once.
  EXPECT_EQ(IdOf(queue.Pop(kLongWait)), 1u);
  EXPECT_TRUE(queue.closed_and_empty());
  EXPECT_FALSE(queue.Pop(kLongWait).has_value());
}

TEST(BatchQueueTest, CloseReleasesABlockedPop) {
  BatchQueue queue(4);
  std::latch consumer_started(1);
  std::atomic<bool> got_batch{true};
  std::thread consumer([&] {
    consumer_started.count_down();
    got_batch = queue.Pop(kLongWait).has_value();
  });
  consumer_started.wait();
  queue.Close();
  consumer.join();
  EXPECT_FALSE(got_batch.load());
  EXPECT_TRUE(queue.closed_and_empty());
}

TEST(BatchQueueTest, PushAfterCloseFailsAndDrainsInOrder) {
  BatchQueue queue(4);
  ASSERT_TRUE(queue.Push(MakeBatch(1)));
  ASSERT_TRUE(queue.Push(MakeBatch(2)));
  EXPECT_FALSE(queue.closed_and_empty());
  queue.Close();
  EXPECT_FALSE(queue.Push(MakeBatch(3)));
  EXPECT_FALSE(queue.closed_and_empty());
  EXPECT_EQ(IdOf(queue.Pop(kLongWait)), 1u);
  EXPECT_FALSE(queue.closed_and_empty());
  EXPECT_EQ(IdOf(queue.Pop(kLongWait)), 2u);
  EXPECT_TRUE(queue.closed_and_empty());
  EXPECT_FALSE(queue.Pop(kLongWait).has_value());
  EXPECT_FALSE(queue.Pop(milliseconds(0)).has_value());
  // Closing twice is harmless.
  queue.Close();
  EXPECT_TRUE(queue.closed_and_empty());
}

TEST(BatchQueueTest, ClosedAndEmptyOnlyWhenBothHold) {
  BatchQueue queue(2);
  EXPECT_FALSE(queue.closed_and_empty()) << "open and empty";
  ASSERT_TRUE(queue.Push(MakeBatch(1)));
  EXPECT_FALSE(queue.closed_and_empty()) << "open, one batch";
  queue.Close();
  EXPECT_FALSE(queue.closed_and_empty()) << "closed, one batch";
  ASSERT_TRUE(queue.Pop(milliseconds(0)).has_value());
  EXPECT_TRUE(queue.closed_and_empty()) << "closed and drained";
}

// An event with every field of OutEvent set.
void FillEvent(OutEvent* e, const std::string& tag) {
  e->table = std::make_shared<TableShape>();
  e->topic = "topic-" + tag;
  e->has_key = true;
  e->key.add_columns()->set_name("id");
  e->event.set_op(cdc::v1::OP_UPDATE);
  e->event.mutable_source()->set_table("t");
  for (int i = 0; i < 3; ++i) {
    cdc::v1::Column* c = e->event.add_after();
    c->set_name("column-" + std::to_string(i));
    c->mutable_value()->set_text_value("value " + tag);
  }
  e->key_bytes = "k";
  e->partition = 3;
  e->extra_headers.emplace_back("h", "v");
  e->row.emplace().add_columns()->set_name("x");
}

// What a new OutEvent holds, field by field.
void ExpectLikeNew(const OutEvent& e) {
  EXPECT_EQ(e.table, nullptr);
  EXPECT_EQ(e.topic, "");
  EXPECT_FALSE(e.has_key);
  EXPECT_EQ(e.key.columns_size(), 0);
  EXPECT_EQ(e.event.SerializeAsString(), "");
  EXPECT_FALSE(e.event.has_source());
  EXPECT_EQ(e.debezium_table, nullptr);
  EXPECT_FALSE(e.key_bytes.has_value());
  EXPECT_EQ(e.partition, -1);
  EXPECT_TRUE(e.extra_headers.empty());
  EXPECT_FALSE(e.row.has_value());
}

TEST(EventPoolTest, RecycledEventsComeBackClearedWithTheirMemory) {
  EventPool pool(100);
  EventList events;
  for (int i = 0; i < 4; ++i) FillEvent(&pool.Append(&events), std::to_string(i));
  ASSERT_EQ(events.size(), 4u);
  // The columns' objects, to recognise them when they come back.
  std::vector<const cdc::v1::Column*> columns;
  for (const OutEvent& e : events) columns.push_back(&e.event.after(0));
  pool.Recycle(&events, [](size_t) { return true; });
  EXPECT_TRUE(events.empty());

  EventList again;
  again.reserve(5);  // stable addresses
  for (int i = 0; i < 4; ++i) {
    EventSpares spares;
    OutEvent& e = pool.Append(&again, &spares);
    ExpectLikeNew(e);
    // Filling it again reuses a column object it held before, with its name.
    ColumnFill fill(e.event.mutable_after(), &spares);
    fill.Next("column-0", "");
    fill.Done();
    EXPECT_NE(std::find(columns.begin(), columns.end(), &e.event.after(0)), columns.end())
        << "event " << i;
    EXPECT_EQ(e.event.after_size(), 1) << "the row's other columns are removed";
  }
  // The pool is empty now: the next event is a new one.
  EventSpares none;
  OutEvent& fresh = pool.Append(&again, &none);
  ExpectLikeNew(fresh);
  EXPECT_EQ(none.column_rows(), 0u);
  EXPECT_EQ(std::find(columns.begin(), columns.end(), fresh.event.add_after()), columns.end());
}

TEST(EventPoolTest, KeepsOnlyWhatKeepSaysUpToItsBound) {
  EventPool pool(3);
  EventList events;
  for (int i = 0; i < 6; ++i) FillEvent(&pool.Append(&events), std::to_string(i));
  // Events 1 and 4 are not kept (a large message); 0, 2 and 3 fill the
  // bound, so 5 is freed too.
  pool.Recycle(&events, [](size_t i) { return i != 1 && i != 4; });
  EXPECT_TRUE(events.empty());
  EventList again;
  again.reserve(4);  // stable addresses
  for (int i = 0; i < 3; ++i) {
    EventSpares spares;
    OutEvent& e = pool.Append(&again, &spares);
    ExpectLikeNew(e);
    EXPECT_EQ(spares.column_rows(), 1u) << "recycled event " << i;
  }
  EventSpares none;
  pool.Append(&again, &none);
  EXPECT_EQ(none.column_rows(), 0u);
  // A second Recycle while events wait adds to them, still bounded (the
  // fourth event, empty, has no row to keep either way).
  for (OutEvent& e : again) FillEvent(&e, "again");
  pool.Recycle(&again, [](size_t) { return true; });
  EventList third;
  EventSpares last;
  for (int i = 0; i < 4; ++i) {
    last = EventSpares();
    pool.Append(&third, &last);
  }
  EXPECT_EQ(last.column_rows(), 0u) << "the fourth is new";
}

TEST(EventPoolTest, ASourcesPoolKeepsEveryEventInFlightWhateverTheQueueDepth) {
  // Batches of 10 and a queue of 2: a batch being filled, 2 queued and one
  // being encoded. The encoder gives back all four before the filler takes
  // any (the queue ran full, then drained): none is freed, so the next
  // four batches are all filled with recycled events.
  std::shared_ptr<EventPool> pool = MakeEventPool(10, 2);
  std::vector<EventList> batches(4);
  for (auto& batch : batches) {
    for (int i = 0; i < 10; ++i) FillEvent(&pool->Append(&batch), std::to_string(i));
  }
  for (auto& batch : batches) pool->Recycle(&batch, [](size_t) { return true; });
  for (int b = 0; b < 4; ++b) {
    EventList batch;
    batch.reserve(10);
    for (int i = 0; i < 10; ++i) {
      EventSpares spares;
      OutEvent& e = pool->Append(&batch, &spares);
      ExpectLikeNew(e);
      EXPECT_EQ(spares.column_rows(), 1u) << "batch " << b << " event " << i;
    }
  }
  EventList more;
  EventSpares none;
  pool->Append(&more, &none);
  EXPECT_EQ(none.column_rows(), 0u) << "the 41st is new";
}

// Appends `recycled` events to `list` and expects each to come from the
// pool (a kept row in its spares), then one more and expects it new.
void ExpectRecycledThenNew(EventPool& pool, EventList* list, int recycled) {
  for (int i = 0; i < recycled; ++i) {
    EventSpares spares;
    ExpectLikeNew(pool.Append(list, &spares));
    EXPECT_EQ(spares.column_rows(), 1u) << "event " << i;
  }
  EventSpares none;
  pool.Append(list, &none);
  EXPECT_EQ(none.column_rows(), 0u) << "event " << recycled << " is new";
}

TEST(EventListTest, KeepsTheEventsItDropsAndHandsThemOutAgain) {
  EventList list;
  list.reserve(8);  // stable addresses
  for (int i = 0; i < 4; ++i) FillEvent(&list.emplace_back(), std::to_string(i));
  const OutEvent* third = &list[2];
  list.resize(2);
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(list.kept(), 2u);
  EXPECT_EQ(list[1].topic, "topic-1") << "the events before the cut stay";
  EXPECT_EQ(list.end() - list.begin(), 2);
  // The next event is the dropped third one, cleared, its row kept in
  // its spares.
  OutEvent& again = list.emplace_back();
  EXPECT_EQ(&again, third);
  ExpectLikeNew(again);
  EXPECT_EQ(again.spares.column_rows(), 1u);
  // Inserting moves the events after it one along.
  OutEvent inserted;
  inserted.topic = "inserted";
  list.insert(list.begin() + 1, std::move(inserted));
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].topic, "topic-0");
  EXPECT_EQ(list[1].topic, "inserted");
  EXPECT_EQ(list[2].topic, "topic-1");
  EXPECT_EQ(list.back().topic, "");
  EXPECT_EQ(list.rbegin()->topic, "");
  // A copy holds the events only; a moved-from list is empty.
  list.resize(3);
  EventList copy = list;
  EXPECT_EQ(copy.size(), 3u);
  EXPECT_EQ(copy.kept(), 0u);
  EXPECT_EQ(copy[1].topic, "inserted");
  EventList moved = std::move(list);
  EXPECT_EQ(moved.size(), 3u);
  EXPECT_EQ(moved.kept(), 1u);
  EXPECT_TRUE(list.empty());  // a moved-from list is left empty
  EXPECT_EQ(list.kept(), 0u);
  moved.TrimKept(0);
  EXPECT_EQ(moved.kept(), 0u);
  EXPECT_EQ(moved.size(), 3u);
}

TEST(EventPoolTest, ABatchTakesAListGivenBackWholeThenTheEventsOfAnother) {
  EventPool pool(100);
  EventList first;
  EventList second;
  for (int i = 0; i < 3; ++i) FillEvent(&pool.Append(&first), "first");
  for (int i = 0; i < 2; ++i) FillEvent(&pool.Append(&second), "second");
  const OutEvent* second_events = &second[0];
  pool.Recycle(&first, [](size_t) { return true; });
  pool.Recycle(&second, [](size_t) { return true; });
  EXPECT_TRUE(first.empty());
  EXPECT_EQ(first.kept(), 0u);
  // A new batch's list becomes the last list given back: the same events,
  // where they were.
  EventList batch;
  EventSpares spares;
  OutEvent& e0 = pool.Append(&batch, &spares);
  EXPECT_EQ(&e0, second_events);
  ExpectLikeNew(e0);
  EXPECT_EQ(spares.column_rows(), 1u);
  pool.Append(&batch, &spares);
  // Past them, the batch takes over the other list's events, then makes
  // new ones.
  ExpectRecycledThenNew(pool, &batch, 3);
  EXPECT_EQ(batch.size(), 6u);
}

// A batch smaller than the list it took gives back the events it did not
// use too: a short batch between two long ones does not empty the pool.
TEST(EventPoolTest, ABatchGivesBackTheEventsItTookAndDidNotUse) {
  EventPool pool(100);
  EventList first;
  for (int i = 0; i < 10; ++i) FillEvent(&pool.Append(&first), std::to_string(i));
  pool.Recycle(&first, [](size_t) { return true; });
  EventList small;
  for (int i = 0; i < 4; ++i) FillEvent(&pool.Append(&small), "small");
  EXPECT_EQ(small.kept(), 6u);
  // Event 1 is not kept: freed; the other three and the six unused come back.
  pool.Recycle(&small, [](size_t i) { return i != 1; });
  EXPECT_TRUE(small.empty());
  EventList next;
  ExpectRecycledThenNew(pool, &next, 9);
  // The bound counts the unused events too.
  EventPool small_pool(5);
  EventList events;
  for (int i = 0; i < 8; ++i) FillEvent(&small_pool.Append(&events), "x");
  small_pool.Recycle(&events, [](size_t) { return true; });
  EventList again;
  small_pool.Append(&again);
  EXPECT_EQ(again.size() + again.kept(), 5u);
}

TEST(EventPoolTest, ReaderAndEncoderThreadsShareOnePool) {
  EventPool pool(64);
  BatchQueue filled(2);
  BoundedQueue<size_t> done(2);
  constexpr int kBatches = 200;
  std::thread encoder([&] {
    for (int b = 0; b < kBatches; ++b) {
      std::optional<Batch> batch = filled.Pop(kLongWait);
      ASSERT_TRUE(batch.has_value());
      for (size_t i = 0; i < batch->events.size(); ++i) {
        ASSERT_EQ(batch->events[i].topic, "topic-" + std::to_string(b * 10 + i));
      }
      size_t n = batch->events.size();
      pool.Recycle(&batch->events, [](size_t) { return true; });
      ASSERT_TRUE(done.Push(n));
    }
  });
  for (int b = 0; b < kBatches; ++b) {
    Batch batch;
    for (int i = 0; i < 10; ++i) {
      OutEvent& e = pool.Append(&batch.events);
      ASSERT_EQ(e.topic, "") << "batch " << b;
      FillEvent(&e, std::to_string(b * 10 + i));
    }
    ASSERT_TRUE(filled.Push(std::move(batch)));
    if (b >= 1) {
      std::optional<size_t> n = done.Pop(kLongWait);
      ASSERT_TRUE(n.has_value());
      ASSERT_EQ(*n, 10u);
    }
  }
  encoder.join();
}

// An event as a MySQL source fills it, through `spares` when given: a
// source block with its position (every string set, as SourceOf asks), and
// columns of several kinds of value.
void FillRowEvent(cdc::v1::ChangeEvent* e, const std::string& tag, EventSpares* spares) {
  e->set_op(cdc::v1::OP_UPDATE);
  cdc::v1::Source* src = spares != nullptr ? spares->SourceOf(e) : e->mutable_source();
  src->set_server_name("server-" + tag);
  src->set_database("db-" + tag);
  src->set_schema("db-" + tag);
  src->set_table("table-" + tag);
  cdc::v1::MysqlPosition* pos = spares != nullptr ? spares->MysqlOf(src) : src->mutable_mysql();
  pos->set_file("binlog." + tag);
  pos->set_pos(4);
  pos->set_gtid(tag == "first" ? "0-1-5" : "");
  for (auto* columns : {e->mutable_before(), e->mutable_after()}) {
    ColumnFill fill(columns, spares);
    for (int i = 0; i < 3; ++i) {
      cdc::v1::Value* v = fill.Next("c" + std::to_string(i), "type " + tag);
      switch (i) {
        case 0: v->set_text_value("text " + tag); break;
        case 1: v->mutable_timestamp_value()->set_epoch_micros(tag.size()); break;
        default: v->set_int_value(static_cast<int64_t>(tag.size())); break;
      }
    }
  }
}

TEST(EventSparesTest, ClearKeepsValuesEmptiedAndSourceClearedForTheNextFill) {
  OutEvent out;
  FillRowEvent(&out.event, "first", nullptr);
  // Fields a later fill does not set.
  out.event.mutable_after(1)->mutable_value()->mutable_timestamp_value()->set_precision(6);
  out.event.mutable_before(1)->mutable_value()->mutable_timestamp_value()->set_precision(6);
  out.event.mutable_source()->set_snapshot(true);
  out.event.mutable_source()->set_commit_time_us(77);
  std::vector<const cdc::v1::Value*> values;
  for (const auto* columns : {&out.event.before(), &out.event.after()}) {
    for (const auto& c : *columns) values.push_back(&c.value());
  }
  const cdc::v1::Source* source = &out.event.source();

  out.Clear();
  ExpectLikeNew(out);
  // The two rows whole, with their columns' values.
  EXPECT_EQ(out.spares.column_rows(), 2u);
  EXPECT_EQ(out.spares.values(), 0u);

  EventSpares spares;
  spares.TakeFrom(&out.spares);
  EXPECT_EQ(out.spares.column_rows(), 0u);
  EXPECT_EQ(spares.column_rows(), 2u);

  // Every kept message comes back as a new one would be, but for the values:
  // each kept row's columns keep their names, a value its message case,
  // emptied (c1's timestamp without its precision); a short string and a
  // scalar stay as they were (c0's text, c2's int, which the next fill
  // replaces: see below).
  cdc::v1::Value emptied[3];
  emptied[0].set_text_value("text first");
  emptied[1].mutable_timestamp_value();
  emptied[2].set_int_value(static_cast<int64_t>(std::string("first").size()));
  cdc::v1::ChangeEvent probe_event;
  for (auto* columns : {probe_event.mutable_before(), probe_event.mutable_after()}) {
    ColumnFill fill(columns, &spares);
    for (int i = 0; i < 3; ++i) {
      const std::string name = "c" + std::to_string(i);
      cdc::v1::Value* kept = fill.Next(name, "");
      EXPECT_NE(std::find(values.begin(), values.end(), kept), values.end()) << name;
      EXPECT_EQ(kept->kind_case(), emptied[i].kind_case()) << name;
      EXPECT_EQ(kept->SerializeAsString(), emptied[i].SerializeAsString()) << name;
    }
  }
  EXPECT_EQ(spares.column_rows(), 0u);
  EXPECT_EQ(spares.values(), 0u);
  EXPECT_EQ(probe_event.after(2).name(), "c2");
  EXPECT_EQ(probe_event.after(2).type(), "");
  probe_event.mutable_before()->Clear();
  probe_event.mutable_after()->Clear();
  // The source block and its position keep their strings alone.
  cdc::v1::Source* kept_source = spares.SourceOf(&probe_event);
  EXPECT_EQ(kept_source, source);
  cdc::v1::Source strings;
  strings.set_server_name("server-first");
  strings.set_database("db-first");
  strings.set_schema("db-first");
  strings.set_table("table-first");
  EXPECT_EQ(kept_source->SerializeAsString(), strings.SerializeAsString());
  EXPECT_FALSE(kept_source->has_mysql());
  cdc::v1::MysqlPosition* kept_position = spares.MysqlOf(kept_source);
  cdc::v1::MysqlPosition position_strings;
  position_strings.set_file("binlog.first");
  position_strings.set_gtid("0-1-5");
  EXPECT_EQ(kept_position->SerializeAsString(), position_strings.SerializeAsString());
  // Back into the spares, for the refill below.
  FillRowEvent(&probe_event, "probe", nullptr);
  spares.Keep(&probe_event);
  EXPECT_EQ(spares.column_rows(), 2u);

  // Filled again from the spares, the event is the one a new event gives.
  FillRowEvent(&out.event, "second", &spares);
  EXPECT_EQ(spares.column_rows(), 0u);
  EXPECT_EQ(&out.event.source(), source);
  cdc::v1::ChangeEvent fresh;
  FillRowEvent(&fresh, "second", nullptr);
  EXPECT_EQ(out.event.SerializeAsString(), fresh.SerializeAsString());
}

// Sets every field of `m` that is not a message, each to a value other
// than its default; a field of a kind it cannot set fails the test.
void SetEveryScalarField(google::protobuf::Message* m) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  const google::protobuf::Reflection* r = m->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: r->SetString(m, f, "s" + std::to_string(i)); break;
      case FieldDescriptor::CPPTYPE_ENUM: r->SetEnumValue(m, f, 1); break;
      case FieldDescriptor::CPPTYPE_BOOL: r->SetBool(m, f, true); break;
      case FieldDescriptor::CPPTYPE_UINT64: r->SetUInt64(m, f, 7); break;
      case FieldDescriptor::CPPTYPE_INT64: r->SetInt64(m, f, -7); break;
      case FieldDescriptor::CPPTYPE_UINT32: r->SetUInt32(m, f, 7); break;
      case FieldDescriptor::CPPTYPE_INT32: r->SetInt32(m, f, -7); break;
      case FieldDescriptor::CPPTYPE_MESSAGE: break;
      default: ADD_FAILURE() << "a " << d->name() << " field of a kind not set here: " << f->name();
    }
  }
}

TEST(EventSparesTest, AKeptSourceKeepsItsStringsAndNoOtherField) {
  // Every field of Source and of a MySQL position set; kept, only the
  // strings the fillers set on every event remain. A field added to either
  // fails here until Keep clears it (or every filler sets it).
  using google::protobuf::FieldDescriptor;
  OutEvent out;
  cdc::v1::Source* src = out.event.mutable_source();
  SetEveryScalarField(src);
  cdc::v1::MysqlPosition* position = src->mutable_mysql();
  SetEveryScalarField(position);
  out.Clear();
  EventSpares spares;
  spares.TakeFrom(&out.spares);
  cdc::v1::ChangeEvent e;
  cdc::v1::Source* kept = spares.SourceOf(&e);
  ASSERT_EQ(kept, src);
  auto expect_kept = [](const google::protobuf::Message& m, const std::vector<std::string>& names) {
    const google::protobuf::Descriptor* md = m.GetDescriptor();
    for (int i = 0; i < md->field_count(); ++i) {
      const FieldDescriptor* f = md->field(i);
      const bool kept_field = std::find(names.begin(), names.end(), f->name()) != names.end();
      EXPECT_EQ(m.GetReflection()->HasField(m, f), kept_field) << md->name() << "." << f->name();
    }
  };
  expect_kept(*kept, {"server_name", "database", "schema", "table"});
  cdc::v1::MysqlPosition* kept_position = spares.MysqlOf(kept);
  EXPECT_EQ(kept_position, position);
  expect_kept(*kept_position, {"file", "gtid"});
}

TEST(EventSparesTest, AKeptScalarIsReplacedWholeByTheCaseTheFillSets) {
  // Each column's value of the kept row is a scalar; the refill sets every
  // other case over one of them, and a scalar of another kind.
  auto fill = [](cdc::v1::ChangeEvent* e, EventSpares* spares, int round) {
    ColumnFill columns(e->mutable_after(), spares);
    for (int i = 0; i < 6; ++i) {
      cdc::v1::Value* v = columns.Next("c" + std::to_string(i), "t");
      if (round == 0) {
        if (i % 2 == 0) {
          v->set_int_value(-7 - i);
        } else {
          v->set_double_value(2.5 * i);
        }
        continue;
      }
      switch (i) {
        case 0: v->set_null(true); break;
        case 1: v->set_uint_value(9); break;
        case 2: v->set_text_value("t"); break;
        case 3: v->mutable_timestamp_value()->set_epoch_micros(3); break;
        case 4: v->set_int_value(0); break;  // the default, not written
        default: v->set_bool_value(false); break;
      }
    }
  };
  OutEvent out;
  fill(&out.event, nullptr, 0);
  out.Clear();
  EventSpares spares;
  spares.TakeFrom(&out.spares);
  ASSERT_EQ(spares.column_rows(), 1u);
  fill(&out.event, &spares, 1);
  EXPECT_EQ(spares.column_rows(), 0u);
  cdc::v1::ChangeEvent fresh;
  fill(&fresh, nullptr, 1);
  EXPECT_EQ(out.event.SerializeAsString(), fresh.SerializeAsString());
  EXPECT_EQ(out.event.after(4).value().kind_case(), cdc::v1::Value::kIntValue);
  EXPECT_EQ(out.event.after(4).value().int_value(), 0);
  EXPECT_EQ(out.event.after(0).value().kind_case(), cdc::v1::Value::kNull);
}

TEST(EventSparesTest, AKeptRowKeepsShortStringsAndFreesLongOnes) {
  OutEvent out;
  {
    ColumnFill fill(out.event.mutable_after(), nullptr);
    fill.Next("short", "text")->set_text_value("abc");
    fill.Next("long", "text")->set_text_value(std::string(2000, 'x'));
    fill.Next("json", "json")->set_json_value(std::string(1500, ' ') + "{}");
  }
  out.Clear();
  EventSpares spares;
  spares.TakeFrom(&out.spares);
  Columns row;
  ASSERT_TRUE(spares.TakeColumns(&row));
  ASSERT_EQ(row.size(), 3);
  EXPECT_EQ(row[0].value().text_value(), "abc");
  // Past 1 KiB a string is freed, not kept for the next row.
  EXPECT_EQ(row[1].value().kind_case(), cdc::v1::Value::KIND_NOT_SET);
  EXPECT_EQ(row[2].value().kind_case(), cdc::v1::Value::KIND_NOT_SET);
}

TableShapePtr ShapeOfNames(const std::string& table, const std::vector<std::string>& names) {
  auto shape = std::make_shared<TableShape>();
  shape->table = table;
  for (const std::string& name : names) shape->columns.push_back({name, "int8"});
  return shape;
}

// An event of `shape` whose after row holds its first `columns` columns.
OutEvent NamedEvent(const TableShapePtr& shape, size_t columns) {
  OutEvent out;
  out.table = shape;
  out.rows_named_by_table = true;
  ColumnFill fill(out.event.mutable_after(), nullptr);
  for (size_t i = 0; i < columns; ++i) {
    fill.Next(shape->columns[i].name, shape->columns[i].type)->set_int_value(1);
  }
  return out;
}

TEST(EventSparesTest, AWholeRowIsKeptAsNamedByItsTableAndANarrowerOneIsNot) {
  const TableShapePtr a = ShapeOfNames("a", {"id", "name", "at"});
  const TableShapePtr b = ShapeOfNames("b", {"k", "v"});
  EventSpares spares;
  for (OutEvent out : {NamedEvent(a, 3), NamedEvent(b, 2)}) {
    out.Clear();
    spares.TakeFrom(&out.spares);
  }
  ASSERT_EQ(spares.column_rows(), 2u);
  // The row of `a`, kept under the one of `b`, is found for `a`.
  Columns row;
  bool named = false;
  ASSERT_TRUE(spares.TakeColumns(&row, a.get(), &named));
  EXPECT_TRUE(named);
  ASSERT_EQ(row.size(), 3);
  EXPECT_EQ(row[0].name(), "id");
  // A row of `a` without its last column, and one whose event did not say
  // its rows are named by the table: neither is taken as named.
  OutEvent narrow = NamedEvent(a, 2);
  OutEvent unsaid = NamedEvent(a, 3);
  unsaid.rows_named_by_table = false;
  for (OutEvent* out : {&narrow, &unsaid}) {
    out->Clear();
    spares.TakeFrom(&out->spares);
  }
  ASSERT_EQ(spares.column_rows(), 3u);
  for (int i = 0; i < 2; ++i) {
    Columns other;
    ASSERT_TRUE(spares.TakeColumns(&other, a.get(), &named));
    EXPECT_FALSE(named) << i;
  }
  // The row of `b` is named by `b` alone.
  Columns last;
  ASSERT_TRUE(spares.TakeColumns(&last, a.get(), &named));
  EXPECT_FALSE(named);
  EXPECT_EQ(last[0].name(), "k");
}

TEST(EventSparesTest, ARowNamedByAnotherShapeIsRenamedByTheFill) {
  const TableShapePtr a = ShapeOfNames("t", {"id", "name", "at"});
  const TableShapePtr renamed = ShapeOfNames("t", {"id", "title", "at"});
  EventSpares spares;
  OutEvent out = NamedEvent(a, 3);
  out.Clear();
  spares.TakeFrom(&out.spares);
  cdc::v1::ChangeEvent refill;
  {
    ColumnFill fill(refill.mutable_after(), &spares, renamed.get());
    for (const TableShape::Column& c : renamed->columns) fill.Next(c.name, c.type)->set_int_value(2);
  }
  ASSERT_EQ(refill.after_size(), 3);
  EXPECT_EQ(refill.after(1).name(), "title");
  EXPECT_EQ(spares.column_rows(), 0u);
}

// A kept row remembers its shape by serial: a copy of the shape, one
// assigned its content, or one built after it was freed (most often at its
// address) is another shape, whose fill compares the names.
TEST(EventSparesTest, ARowIsNamedByItsOwnShapeAloneNotByACopyOrASuccessor) {
  TableShapePtr a = ShapeOfNames("t", {"id", "name", "at"});
  const auto copy = std::make_shared<TableShape>(*a);
  TableShape assigned;
  assigned = *a;
  EXPECT_NE(copy->serial.value(), a->serial.value());
  EXPECT_NE(assigned.serial.value(), a->serial.value());
  EXPECT_NE(assigned.serial.value(), copy->serial.value());
  EXPECT_NE(a->serial.value(), 0u);

  EventSpares spares;
  auto keep = [&](const TableShapePtr& shape) {
    OutEvent out = NamedEvent(shape, 3);
    out.Clear();
    spares.TakeFrom(&out.spares);
  };
  bool named = true;
  const TableShape* const others[] = {copy.get(), &assigned};
  for (const TableShape* other : others) {
    keep(a);
    Columns columns;
    ASSERT_TRUE(spares.TakeColumns(&columns, other, &named));
    EXPECT_FALSE(named);
  }
  keep(a);
  Columns own;
  ASSERT_TRUE(spares.TakeColumns(&own, a.get(), &named));
  EXPECT_TRUE(named);

  keep(a);
  const TableShape* freed_at = a.get();
  a.reset();
  const TableShapePtr successor = ShapeOfNames("t", {"id", "name", "at"});
  Columns columns;
  ASSERT_TRUE(spares.TakeColumns(&columns, successor.get(), &named));
  EXPECT_FALSE(named) << (successor.get() == freed_at ? "built at the freed shape's address"
                                                      : "built elsewhere");
}

// A row named by a shape that knows its scalar columns is kept with only
// the other columns looked at: their values are emptied as ever (a
// timestamp cleared, a long string freed), the scalars stay as they were.
TEST(EventSparesTest, ARowNamedByAShapeWithScalarColumnsIsEmptiedInTheOthers) {
  auto shape = std::make_shared<TableShape>();
  shape->table = "t";
  shape->columns = {{"id", "bigint"}, {"at", "timestamp"}, {"note", "text"}, {"n", "int"}};
  shape->scalar_columns.Set({true, false, false, true});
  OutEvent out;
  out.table = shape;
  out.rows_named_by_table = true;
  {
    ColumnFill fill(out.event.mutable_after(), nullptr);
    fill.Next("id", "bigint")->set_int_value(7);
    cdc::v1::Timestamp* at = fill.Next("at", "timestamp")->mutable_timestamp_value();
    at->set_zero(true);
    at->set_invalid_text("0000-00-00");
    fill.Next("note", "text")->set_text_value(std::string(4096, 'x'));
    fill.Next("n", "int")->set_int_value(-3);
  }
  out.Clear();
  EventSpares spares;
  spares.TakeFrom(&out.spares);
  Columns row;
  bool named = false;
  ASSERT_TRUE(spares.TakeColumns(&row, shape.get(), &named));
  EXPECT_TRUE(named);
  ASSERT_EQ(row.size(), 4);
  EXPECT_EQ(row[0].value().int_value(), 7) << "a scalar stays";
  EXPECT_EQ(row[3].value().int_value(), -3);
  EXPECT_FALSE(row[1].value().timestamp_value().zero()) << row[1].value().DebugString();
  EXPECT_TRUE(row[1].value().timestamp_value().invalid_text().empty());
  EXPECT_FALSE(row[2].has_value() && row[2].value().has_text_value() &&
               row[2].value().text_value().capacity() > 1024)
      << "a long string is freed";
}

TEST(EventSparesTest, PostgresPositionsAndSourcesAreKeptUpToTheirBound) {
  std::vector<OutEvent> events(70);
  for (OutEvent& e : events) {
    cdc::v1::Source* src = e.event.mutable_source();
    src->set_server_name("pg");
    src->mutable_postgres()->set_lsn(42);
    src->mutable_postgres()->set_commit_lsn(43);
  }
  EventSpares spares;
  for (OutEvent& e : events) {
    e.Clear();
    spares.TakeFrom(&e.spares);
  }
  // 64 sources and 64 positions are kept; the other six are freed.
  EXPECT_EQ(spares.sources(), EventSpares::kMaxSources);
  EXPECT_EQ(spares.positions(), EventSpares::kMaxSources);
  cdc::v1::ChangeEvent probe;
  for (size_t i = 0; i < EventSpares::kMaxSources; ++i) {
    probe.Clear();
    cdc::v1::Source* src = spares.SourceOf(&probe);
    EXPECT_FALSE(src->has_postgres()) << i;
    EXPECT_EQ(src->server_name(), "pg") << i;  // the strings stay for the next fill
    cdc::v1::PostgresPosition* pos = spares.PostgresOf(src);
    EXPECT_EQ(pos->lsn(), 0u) << i;
    EXPECT_EQ(pos->commit_lsn(), 0u) << i;
    EXPECT_EQ(spares.SourceOf(&probe), src) << "an event's own source stays";
  }
  EXPECT_EQ(spares.sources(), 0u);
  EXPECT_EQ(spares.positions(), 0u);
  // None left: a new source and position.
  probe.Clear();
  cdc::v1::Source* src = spares.SourceOf(&probe);
  EXPECT_EQ(src->SerializeAsString(), "");
  EXPECT_EQ(spares.PostgresOf(src)->lsn(), 0u);
}

TEST(EventSparesTest, KeepsAtMostItsBoundAndCopiesCarryNone) {
  OutEvent out;
  for (size_t i = 0; i < EventSpares::kMaxValues + 10; ++i) {
    out.event.add_after()->mutable_value()->set_int_value(static_cast<int64_t>(i));
  }
  out.Clear();
  EXPECT_EQ(out.spares.values(), EventSpares::kMaxValues);
  ExpectLikeNew(out);

  OutEvent copy = out;
  EXPECT_EQ(copy.spares.values(), 0u);
  copy = out;
  EXPECT_EQ(copy.spares.values(), 0u);
  OutEvent moved = std::move(out);
  EXPECT_EQ(moved.spares.values(), EventSpares::kMaxValues);

  EventSpares full;
  full.TakeFrom(&moved.spares);
  OutEvent more;
  more.event.add_before()->mutable_value()->set_null(true);
  more.Clear();
  full.TakeFrom(&more.spares);
  EXPECT_EQ(full.values(), EventSpares::kMaxValues);
  EXPECT_EQ(more.spares.values(), 0u) << "what does not fit is freed";
}

TEST(EventSparesTest, PoolHandsARecycledEventsSparesToTheFiller) {
  EventPool pool(10);
  EventList events;
  FillRowEvent(&pool.Append(&events).event, "a", nullptr);
  pool.Recycle(&events, [](size_t) { return true; });
  EventSpares spares;
  OutEvent& again = pool.Append(&events, &spares);
  ExpectLikeNew(again);
  EXPECT_EQ(again.spares.column_rows(), 0u);
  EXPECT_EQ(spares.column_rows(), 2u);
  FillRowEvent(&again.event, "b", &spares);
  EXPECT_EQ(spares.column_rows(), 0u);
  cdc::v1::ChangeEvent fresh;
  FillRowEvent(&fresh, "b", nullptr);
  EXPECT_EQ(again.event.SerializeAsString(), fresh.SerializeAsString());

  // Without a filler's spares, the recycled event's own are freed: an
  // event does not gather them round after round.
  pool.Recycle(&events, [](size_t) { return true; });
  OutEvent& alone = pool.Append(&events);
  ExpectLikeNew(alone);
  EXPECT_EQ(alone.spares.column_rows(), 0u);
  EXPECT_EQ(alone.spares.values(), 0u);
}

// A kept row fills a row of another length: the columns it lacks are
// added, those it has over are removed (their values kept), and every
// column has the name and type of the new row.
TEST(EventSparesTest, AKeptRowFillsARowOfAnotherShape) {
  OutEvent out;
  {
    ColumnFill fill(out.event.mutable_after(), nullptr);
    for (int i = 0; i < 5; ++i) fill.Next("wide" + std::to_string(i), "int")->set_int_value(i);
  }
  out.Clear();
  EventSpares spares;
  spares.TakeFrom(&out.spares);
  ASSERT_EQ(spares.column_rows(), 1u);
  cdc::v1::ChangeEvent narrow;
  {
    ColumnFill fill(narrow.mutable_after(), &spares);
    fill.Next("id", "bigint")->set_int_value(7);
    fill.Next("wide1", "text")->set_text_value("x");
  }
  ASSERT_EQ(narrow.after_size(), 2);
  EXPECT_EQ(spares.values(), 3u) << "the removed columns' values are kept";
  cdc::v1::ChangeEvent want;
  cdc::v1::Column* c = want.add_after();
  c->set_name("id");
  c->set_type("bigint");
  c->mutable_value()->set_int_value(7);
  c = want.add_after();
  c->set_name("wide1");
  c->set_type("text");
  c->mutable_value()->set_text_value("x");
  EXPECT_EQ(narrow.SerializeAsString(), want.SerializeAsString());

  // Longer than the kept row: the rest are new columns.
  narrow.Clear();
  spares.Keep(&want);
  cdc::v1::ChangeEvent longer;
  {
    ColumnFill fill(longer.mutable_after(), &spares);
    for (int i = 0; i < 4; ++i) fill.Next("n" + std::to_string(i), "")->set_null(true);
  }
  ASSERT_EQ(longer.after_size(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(longer.after(i).name(), "n" + std::to_string(i));
    EXPECT_EQ(longer.after(i).type(), "");
    EXPECT_TRUE(longer.after(i).value().null());
  }
}

}  // namespace
}  // namespace cdc::agent
