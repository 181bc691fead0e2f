#include "agent/row_spill.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cdc::agent {
namespace {

using Row = std::vector<std::optional<std::string>>;
using RowView = std::vector<std::optional<std::string_view>>;

RowView ViewOf(const Row& row) {
  RowView view;
  for (const auto& v : row) view.push_back(v ? std::optional<std::string_view>(*v) : std::nullopt);
  return view;
}

class RowSpillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/row-spill-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
};

TEST_F(RowSpillTest, RowsComeBackInOrderWithNullsAndEmptyValues) {
  auto spill = RowSpill::Create(dir_);
  ASSERT_TRUE(spill.ok()) << spill.status().ToString();
  std::vector<Row> rows = {
      {std::string("1"), std::nullopt, std::string("")},
      {std::string("2"), std::string(300000, 'x'), std::string("a\0b", 3)},
      {},  // a row of no values
      {std::nullopt},
  };
  for (const Row& row : rows) ASSERT_TRUE((*spill)->Append(ViewOf(row)).ok());
  EXPECT_EQ((*spill)->rows(), 4u);
  EXPECT_EQ((*spill)->bytes(), 1u + 1u + 300000u + 3u);
  ASSERT_TRUE((*spill)->Rewind().ok());
  Row read = {std::string("left over")};
  for (const Row& row : rows) {
    Result<bool> next = (*spill)->Next(&read);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    ASSERT_TRUE(*next);
    EXPECT_EQ(read, row);
  }
  Result<bool> end = (*spill)->Next(&read);
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
}

TEST_F(RowSpillTest, TheFileLeavesNoNameBehind) {
  auto spill = RowSpill::Create(dir_);
  ASSERT_TRUE(spill.ok());
  ASSERT_TRUE((*spill)->Append({std::string_view("v")}).ok());
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
}

TEST_F(RowSpillTest, ADirectoryThatCannotHoldItIsNamed) {
  auto spill = RowSpill::Create(dir_ + "/missing");
  ASSERT_FALSE(spill.ok());
  EXPECT_TRUE(spill.status().IsIOError());
  EXPECT_NE(spill.status().message().find(dir_ + "/missing"), std::string::npos)
      << spill.status().message();
}

TEST_F(RowSpillTest, ReadingAndWritingOutOfTurnIsRefused) {
  auto spill = RowSpill::Create(dir_);
  ASSERT_TRUE(spill.ok());
  Row row;
  EXPECT_FALSE((*spill)->Next(&row).ok());
  ASSERT_TRUE((*spill)->Rewind().ok());
  EXPECT_FALSE((*spill)->Append({std::string_view("v")}).ok());
}

}  // namespace
}  // namespace cdc::agent
