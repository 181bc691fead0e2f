#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace cdc {
namespace {

size_t LengthOf(std::string_view text, uint32_t* cp = nullptr) {
  uint32_t ignored = 0;
  return DecodeUtf8(text, cp != nullptr ? cp : &ignored);
}

TEST(Utf8Test, DecodesOneCharacterOfEachLength) {
  uint32_t cp = 0;
  EXPECT_EQ(LengthOf("az", &cp), 1u);
  EXPECT_EQ(cp, 'a');
  EXPECT_EQ(LengthOf("\xc3\x9cx", &cp), 2u);
  EXPECT_EQ(cp, 0xdcu);  // Ü
  EXPECT_EQ(LengthOf("\xe6\x97\xa5", &cp), 3u);
  EXPECT_EQ(cp, 0x65e5u);  // 日
  EXPECT_EQ(LengthOf("\xf0\x9f\x98\x80", &cp), 4u);
  EXPECT_EQ(cp, 0x1f600u);
  EXPECT_EQ(LengthOf("\xf4\x8f\xbf\xbf", &cp), 4u);
  EXPECT_EQ(cp, 0x10ffffu);
  EXPECT_EQ(LengthOf(std::string_view("\0", 1), &cp), 1u);
  EXPECT_EQ(cp, 0u);
}

TEST(Utf8Test, RejectsWhatIsNotOneWellFormedCharacter) {
  EXPECT_EQ(LengthOf(""), 0u);
  EXPECT_EQ(LengthOf("\x80"), 0u);              // stray continuation byte
  EXPECT_EQ(LengthOf("\xc3"), 0u);              // truncated
  EXPECT_EQ(LengthOf("\xe6\x97"), 0u);          // truncated
  EXPECT_EQ(LengthOf("\xc3x"), 0u);             // continuation missing
  EXPECT_EQ(LengthOf("\xc0\xaf"), 0u);          // overlong '/'
  EXPECT_EQ(LengthOf("\xe0\x80\xaf"), 0u);      // overlong
  EXPECT_EQ(LengthOf("\xf0\x80\x80\xaf"), 0u);  // overlong
  EXPECT_EQ(LengthOf("\xed\xa0\x80"), 0u);      // surrogate U+D800
  EXPECT_EQ(LengthOf("\xf4\x90\x80\x80"), 0u);  // U+110000
  EXPECT_EQ(LengthOf("\xff"), 0u);
}

TEST(Utf8Test, IsValidUtf8ChecksTheWholeText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("Shop \xc3\x9c \xe6\x97\xa5 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("caf\xe9"));
  EXPECT_FALSE(IsValidUtf8("ok\xed\xa0\x80"));
  EXPECT_FALSE(IsValidUtf8("ends\xe6\x97"));
}

TEST(Utf8Test, SkipAsciiStopsAtTheFirstHighByteAtAnyOffset) {
  for (size_t length = 0; length <= 40; ++length) {
    for (size_t at = 0; at <= length; ++at) {
      std::string text(length, 'a');
      if (at < length) text[at] = '\x80';
      for (size_t from = 0; from <= at; ++from) {
        EXPECT_EQ(SkipAscii(text, from), at) << length << " " << at << " " << from;
      }
    }
  }
}

// Whatever runs of ASCII lie between them, a bad byte is found and a
// well-formed character passes.
TEST(Utf8Test, IsValidUtf8FindsABadByteAfterAnyRunOfAscii) {
  const std::string_view good[] = {"\xc3\x9c", "\xe6\x97\xa5", "\xf0\x9f\x98\x80"};
  const std::string_view bad[] = {"\x80", "\xc3", "\xe6\x97", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                  "\xc0\xaf", "\xff"};
  for (size_t run = 0; run <= 20; ++run) {
    const std::string ascii(run, 'x');
    for (std::string_view g : good) {
      EXPECT_TRUE(IsValidUtf8(ascii + std::string(g) + ascii)) << run;
      for (std::string_view b : bad) {
        EXPECT_FALSE(IsValidUtf8(ascii + std::string(g) + ascii + std::string(b) + ascii))
            << run << " " << b.size();
        EXPECT_FALSE(IsValidUtf8(ascii + std::string(b) + std::string(g))) << run;
      }
    }
  }
}

}  // namespace
}  // namespace cdc
