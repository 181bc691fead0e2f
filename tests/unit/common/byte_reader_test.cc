#include "common/byte_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace cdc {
namespace {

TEST(ByteReaderTest, ReadsBigAndLittleEndian) {
  const std::string bytes("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  ByteReader be(bytes);
  uint32_t u32 = 0;
  ASSERT_TRUE(be.ReadU32BE(&u32));
  EXPECT_EQ(u32, 0x01020304u);
  EXPECT_EQ(be.offset(), 4u);
  ByteReader le(bytes);
  uint64_t u64 = 0;
  ASSERT_TRUE(le.ReadU64LE(&u64));
  EXPECT_EQ(u64, 0x0807060504030201ull);
  EXPECT_TRUE(le.empty());
}

TEST(ByteReaderTest, ShortReadFailsAndDoesNotMove) {
  const std::string bytes("\x01\x02\x03", 3);
  ByteReader r(bytes);
  uint32_t v = 7;
  EXPECT_FALSE(r.ReadU32BE(&v));
  EXPECT_EQ(v, 7u);
  EXPECT_EQ(r.offset(), 0u);
  std::string_view s;
  EXPECT_FALSE(r.ReadBytes(4, &s));
  EXPECT_FALSE(r.Skip(4));
  EXPECT_TRUE(r.Skip(3));
  uint8_t b;
  EXPECT_FALSE(r.ReadU8(&b));
}

TEST(ByteReaderTest, SignedBigEndian) {
  const std::string bytes("\xff\xfe", 2);
  ByteReader r(bytes);
  int16_t v = 0;
  ASSERT_TRUE(r.ReadI16BE(&v));
  EXPECT_EQ(v, -2);
}

TEST(ByteReaderTest, CStringNeedsTerminator) {
  const std::string ok("abc\0def", 7);
  ByteReader r(ok);
  std::string_view s;
  ASSERT_TRUE(r.ReadCString(&s));
  EXPECT_EQ(s, "abc");
  EXPECT_EQ(r.rest(), "def");
  EXPECT_FALSE(r.ReadCString(&s));
  EXPECT_EQ(r.offset(), 4u);
}

TEST(ByteReaderTest, LengthEncodedIntegers) {
  const std::string bytes("\xfa\xfc\x34\x12\xfd\x01\x02\x03\xfe\x01\0\0\0\0\0\0\x80\xfb", 18);
  ByteReader r(bytes);
  uint64_t v = 0;
  ASSERT_TRUE(r.ReadLengthEncoded(&v));
  EXPECT_EQ(v, 250u);
  ASSERT_TRUE(r.ReadLengthEncoded(&v));
  EXPECT_EQ(v, 0x1234u);
  ASSERT_TRUE(r.ReadLengthEncoded(&v));
  EXPECT_EQ(v, 0x030201u);
  ASSERT_TRUE(r.ReadLengthEncoded(&v));
  EXPECT_EQ(v, 0x8000000000000001ull);
  size_t before = r.offset();
  EXPECT_FALSE(r.ReadLengthEncoded(&v));  // 0xfb is the NULL marker
  EXPECT_EQ(r.offset(), before);
}

TEST(ByteReaderTest, TruncatedLengthEncodedRewinds) {
  const std::string bytes("\xfe\x01\x02", 3);
  ByteReader r(bytes);
  uint64_t v = 0;
  EXPECT_FALSE(r.ReadLengthEncoded(&v));
  EXPECT_EQ(r.offset(), 0u);
}

}  // namespace
}  // namespace cdc
