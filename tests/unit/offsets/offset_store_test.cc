#include "offsets/offset_store.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/unit/offsets/test_util.h"

namespace cdc::offsets {
namespace {

struct MemoryFactory {
  std::unique_ptr<OffsetStore> Make() { return NewMemoryOffsetStore(); }
};

struct RocksDbFactory {
  cdc::testing::TempDir dir;
  std::unique_ptr<OffsetStore> Make() {
    Result<std::unique_ptr<OffsetStore>> store = OpenRocksDbOffsetStore(dir.Sub("db"));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
};

template <typename Factory>
class OffsetStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = factory_.Make();
    ASSERT_NE(store_, nullptr);
  }

  std::optional<Position> MustLoad(std::string_view source) {
    Result<std::optional<Position>> p = store_->Load(source);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? *p : std::nullopt;
  }

  std::optional<std::string> MustGetState(std::string_view source, std::string_view name) {
    Result<std::optional<std::string>> v = store_->GetState(source, name);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : std::nullopt;
  }

  Factory factory_;
  std::unique_ptr<OffsetStore> store_;
};

using Factories = ::testing::Types<MemoryFactory, RocksDbFactory>;
class FactoryNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryFactory> ? "Memory" : "RocksDb";
  }
};
TYPED_TEST_SUITE(OffsetStoreTest, Factories, FactoryNames);

TYPED_TEST(OffsetStoreTest, LoadOfEmptyStoreIsNullopt) {
  EXPECT_EQ(this->MustLoad("demo"), std::nullopt);
  EXPECT_EQ(this->MustGetState("demo", "snapshot"), std::nullopt);
  Result<std::vector<std::string>> sources = this->store_->ListSources();
  ASSERT_TRUE(sources.ok());
  EXPECT_TRUE(sources->empty());
}

TYPED_TEST(OffsetStoreTest, StoreThenLoad) {
  Position pg = Position::Postgres(0x16B374D848ull);
  Position my = Position::Mysql("binlog.000003", 4567, "0-1-100");
  ASSERT_TRUE(this->store_->Store("pg", pg).ok());
  ASSERT_TRUE(this->store_->Store("my", my).ok());
  EXPECT_EQ(this->MustLoad("pg"), pg);
  EXPECT_EQ(this->MustLoad("my"), my);
  EXPECT_EQ(this->MustLoad("other"), std::nullopt);
}

TYPED_TEST(OffsetStoreTest, StoreOverwrites) {
  ASSERT_TRUE(this->store_->Store("demo", Position::Postgres(100)).ok());
  ASSERT_TRUE(this->store_->Store("demo", Position::Postgres(200)).ok());
  EXPECT_EQ(this->MustLoad("demo"), Position::Postgres(200));
  ASSERT_TRUE(this->store_->Store("demo", Position::Mysql("b.000001", 4, "")).ok());
  EXPECT_EQ(this->MustLoad("demo"), Position::Mysql("b.000001", 4, ""));
}

TYPED_TEST(OffsetStoreTest, ResetRemovesPositionAndStateOfThatSourceOnly) {
  OffsetStore& store = *this->store_;
  ASSERT_TRUE(store.Store("a", Position::Postgres(1)).ok());
  ASSERT_TRUE(store.PutState("a", "snapshot", "chunk 7").ok());
  ASSERT_TRUE(store.PutState("a", "schema/public.t", "cols").ok());
  // Names that sort right around a's keys must survive a's reset.
  ASSERT_TRUE(store.Store("a0", Position::Postgres(2)).ok());
  ASSERT_TRUE(store.PutState("a0", "snapshot", "other").ok());
  ASSERT_TRUE(store.Store("a.b", Position::Postgres(3)).ok());
  ASSERT_TRUE(store.PutState("a.b", "snapshot", "dotted").ok());
  ASSERT_TRUE(store.PutState("a-", "x", "dash").ok());

  ASSERT_TRUE(store.Reset("a").ok());
  EXPECT_EQ(this->MustLoad("a"), std::nullopt);
  EXPECT_EQ(this->MustGetState("a", "snapshot"), std::nullopt);
  EXPECT_EQ(this->MustGetState("a", "schema/public.t"), std::nullopt);
  EXPECT_EQ(this->MustLoad("a0"), Position::Postgres(2));
  EXPECT_EQ(this->MustGetState("a0", "snapshot"), "other");
  EXPECT_EQ(this->MustLoad("a.b"), Position::Postgres(3));
  EXPECT_EQ(this->MustGetState("a.b", "snapshot"), "dotted");
  EXPECT_EQ(this->MustGetState("a-", "x"), "dash");

  // A reset source starts afresh.
  ASSERT_TRUE(store.PutState("a", "snapshot", "new").ok());
  EXPECT_EQ(this->MustGetState("a", "snapshot"), "new");
  EXPECT_EQ(this->MustLoad("a"), std::nullopt);
  // Resetting a source that has nothing is not an error.
  EXPECT_TRUE(store.Reset("never-stored").ok());
}

TYPED_TEST(OffsetStoreTest, ListSourcesNamesSourcesWithAPosition) {
  OffsetStore& store = *this->store_;
  ASSERT_TRUE(store.Store("orders", Position::Postgres(1)).ok());
  ASSERT_TRUE(store.Store("billing", Position::Mysql("b.1", 4, "")).ok());
  ASSERT_TRUE(store.Store("orders", Position::Postgres(2)).ok());
  ASSERT_TRUE(store.PutState("state-only", "x", "y").ok());
  Result<std::vector<std::string>> sources = store.ListSources();
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(*sources, (std::vector<std::string>{"billing", "orders"}));

  ASSERT_TRUE(store.Reset("orders").ok());
  sources = store.ListSources();
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(*sources, (std::vector<std::string>{"billing"}));
}

TYPED_TEST(OffsetStoreTest, StateBlobs) {
  OffsetStore& store = *this->store_;
  std::string binary("\0\x01\xff payload", 11);
  ASSERT_TRUE(store.PutState("demo", "snapshot", binary).ok());
  ASSERT_TRUE(store.PutState("demo", "empty", "").ok());
  ASSERT_TRUE(store.PutState("demo", "big", std::string(1 << 20, 'x')).ok());
  ASSERT_TRUE(store.PutState("other", "snapshot", "theirs").ok());
  EXPECT_EQ(this->MustGetState("demo", "snapshot"), binary);
  EXPECT_EQ(this->MustGetState("demo", "empty"), "");
  EXPECT_EQ(this->MustGetState("demo", "big"), std::string(1 << 20, 'x'));
  EXPECT_EQ(this->MustGetState("other", "snapshot"), "theirs");
  EXPECT_EQ(this->MustGetState("demo", "missing"), std::nullopt);

  ASSERT_TRUE(store.PutState("demo", "snapshot", "replaced").ok());
  EXPECT_EQ(this->MustGetState("demo", "snapshot"), "replaced");
  // State alone is not a stored position.
  EXPECT_EQ(this->MustLoad("demo"), std::nullopt);
}

TYPED_TEST(OffsetStoreTest, StoreWithWritesPositionAndStateChangesTogether) {
  OffsetStore& store = *this->store_;
  ASSERT_TRUE(store.PutState("demo", "join/t/1:1", "old").ok());
  ASSERT_TRUE(store.PutState("demo", "join/t/1:2", "gone").ok());
  ASSERT_TRUE(store.PutState("demo", "joinx", "not a row").ok());
  ASSERT_TRUE(store.PutState("other", "join/t/1:1", "theirs").ok());
  const Position p = Position::Postgres(0x100);
  ASSERT_TRUE(store
                  .StoreWith("demo", p,
                             {{"join/t/1:1", "new"}, {"join/t/1:2", std::nullopt},
                              {"join/t/1:3", "added"}, {"join/t/1:3", "added again"}})
                  .ok());
  EXPECT_EQ(this->MustLoad("demo"), p);
  EXPECT_EQ(this->MustGetState("demo", "join/t/1:1"), "new");
  EXPECT_EQ(this->MustGetState("demo", "join/t/1:2"), std::nullopt);
  EXPECT_EQ(this->MustGetState("demo", "join/t/1:3"), "added again");
  EXPECT_EQ(this->MustGetState("other", "join/t/1:1"), "theirs");

  Result<std::vector<std::string>> names = store.ListStates("demo", "join/");
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names, (std::vector<std::string>{"join/t/1:1", "join/t/1:3"}));
  names = store.ListStates("demo", "");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 3u);  // and "joinx"

  ASSERT_TRUE(store.ChangeStates("demo", {{"join/t/1:1", std::nullopt}}).ok());
  EXPECT_EQ(this->MustGetState("demo", "join/t/1:1"), std::nullopt);
  EXPECT_EQ(this->MustLoad("demo"), p);
}

TYPED_TEST(OffsetStoreTest, RejectsBadSourceNames) {
  OffsetStore& store = *this->store_;
  Status s = store.Store("a/b", Position::Postgres(1));
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "offset store: bad source name \"a/b\": must be non-empty and contain no '/'");
  EXPECT_TRUE(store.Store("", Position::Postgres(1)).IsInvalidArgument());
  EXPECT_TRUE(store.Load("").status().IsInvalidArgument());
  EXPECT_TRUE(store.PutState("x/", "n", "v").IsInvalidArgument());
  EXPECT_TRUE(store.GetState("/", "n").status().IsInvalidArgument());
  EXPECT_TRUE(store.Reset("a/").IsInvalidArgument());
}

TYPED_TEST(OffsetStoreTest, ConcurrentWritersToDifferentSources) {
  OffsetStore& store = *this->store_;
  constexpr int kThreads = 4;
  constexpr int kWrites = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, t] {
      std::string source = "s" + std::to_string(t);
      for (int i = 1; i <= kWrites; ++i) {
        if (!store.Store(source, Position::Postgres(i)).ok()) return;
        if (!store.PutState(source, "n", std::to_string(i)).ok()) return;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    std::string source = "s" + std::to_string(t);
    EXPECT_EQ(this->MustLoad(source), Position::Postgres(kWrites));
    EXPECT_EQ(this->MustGetState(source, "n"), std::to_string(kWrites));
  }
}

}  // namespace
}  // namespace cdc::offsets
