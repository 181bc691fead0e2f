#include <gtest/gtest.h>

#include <atomic>
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

}  // namespace
}  // namespace cdc::agent
