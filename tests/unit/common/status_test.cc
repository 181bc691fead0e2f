#include "common/status.h"

#include <gtest/gtest.h>

#include <string>

namespace cdc {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return Status::InvalidArgument("odd: " + std::to_string(v));
  return v / 2;
}

Status Quarter(int v, int* out) {
  CDC_ASSIGN_OR_RETURN(int h, Half(v));
  CDC_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::OK();
}

TEST(StatusTest, CodesAndMessages) {
  EXPECT_TRUE(Status::OK().ok());
  Status s = Status::Corruption("bad byte at 3");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_EQ(s.ToString(), "Corruption: bad byte at 3");
  EXPECT_EQ(s.WithContext("Insert").message(), "Insert: bad byte at 3");
  EXPECT_TRUE(Status::IOError("down", true).retryable());
  EXPECT_FALSE(Status::IOError("down").retryable());
}

TEST(StatusTest, CopiesAreIndependentAndOkHasNoMessage) {
  EXPECT_EQ(Status::OK().message(), "");
  EXPECT_EQ(Status::OK().code(), Status::Code::kOk);
  EXPECT_FALSE(Status::OK().retryable());
  const Status down = Status::IOError("broker down", true);
  Status copy = down;
  EXPECT_TRUE(copy.IsIOError());
  EXPECT_TRUE(copy.retryable());
  Status context = down.WithContext("sink");
  EXPECT_EQ(context.message(), "sink: broker down");
  EXPECT_TRUE(context.retryable());
  EXPECT_EQ(down.message(), "broker down");
  copy = Status::OK();
  EXPECT_TRUE(copy.ok());
  EXPECT_EQ(down.ToString(), "IOError: broker down");
  Status moved = std::move(context);
  EXPECT_EQ(moved.message(), "sink: broker down");
  copy = moved;
  EXPECT_EQ(copy.ToString(), "IOError: sink: broker down");
  EXPECT_EQ(moved.message(), "sink: broker down");
}

TEST(StatusTest, ResultPropagates) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = Quarter(6, &out);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "odd: 3");
}

TEST(StatusTest, ResultFromOkStatusIsAnError) {
  Result<int> r(Status::OK());
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace cdc
