#include "agent/topic.h"

#include <gtest/gtest.h>

#include <string>

namespace cdc::agent {
namespace {

TEST(TopicNameTest, LegalCharactersAreKept) {
  EXPECT_EQ(TopicName("cdc", "public", "orders"), "cdc.public.orders");
  EXPECT_EQ(TopicName("Srv-1_a", "Sch.9", "T_x-Y.z"), "Srv-1_a.Sch.9.T_x-Y.z");
  EXPECT_EQ(TopicName("azAZ09", "_-", "."), "azAZ09._-..");
}

TEST(TopicNameTest, IllegalAsciiCharactersBecomeUnderscores) {
  EXPECT_EQ(TopicName("my server", "public", "order items"), "my_server.public.order_items");
  EXPECT_EQ(TopicName("cdc", "\"Weird\"", "it's"), "cdc._Weird_.it_s");
  EXPECT_EQ(TopicName("cdc", "a/b\\c", "x$y@z:w"), "cdc.a_b_c.x_y_z_w");
  EXPECT_EQ(TopicName("cdc", std::string("a\0b", 3), "t\tu\n"), "cdc.a_b.t_u_");
}

TEST(TopicNameTest, EachNonAsciiCharacterBecomesOneUnderscore) {
  // "Shop Ü": the space and the two-byte Ü are one '_' each.
  EXPECT_EQ(TopicName("cdc", "public", "Shop \xc3\x9c"), "cdc.public.Shop__");
  EXPECT_EQ(TopicName("cdc", "public", "caf\xc3\xa9"), "cdc.public.caf_");
  EXPECT_EQ(TopicName("cdc", "\xe6\x97\xa5\xe6\x9c\xac", "t"), "cdc.__.t");  // 日本
  EXPECT_EQ(TopicName("cdc", "public", "a\xf0\x9f\x98\x80z"), "cdc.public.a_z");  // U+1F600
  EXPECT_EQ(TopicName("\xc3\xa9", "\xc3\xa9", "\xc3\xa9"), "_._._");
}

TEST(TopicNameTest, EachByteOfMalformedUtf8BecomesOneUnderscore) {
  // Latin-1 "é", a stray continuation byte, a truncated 3-byte sequence, an
  // overlong '/' and an encoded surrogate: no character, so byte by byte.
  EXPECT_EQ(TopicName("cdc", "public", "caf\xe9"), "cdc.public.caf_");
  EXPECT_EQ(TopicName("cdc", "public", "a\x80z"), "cdc.public.a_z");
  EXPECT_EQ(TopicName("cdc", "public", "a\xe6\x97"), "cdc.public.a__");
  EXPECT_EQ(TopicName("cdc", "public", "\xc0\xaf"), "cdc.public.__");
  EXPECT_EQ(TopicName("cdc", "public", "\xed\xa0\x80"), "cdc.public.___");
  // A malformed byte does not swallow the legal characters after it.
  EXPECT_EQ(TopicName("cdc", "public", "\xe6.x"), "cdc.public._.x");
}

}  // namespace
}  // namespace cdc::agent
