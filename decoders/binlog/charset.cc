#include "decoders/binlog/charset.h"

#include <errno.h>
#include <iconv.h>

#include <array>

#include "common/utf8.h"

namespace cdc::binlog {
namespace {

enum CharsetId : uint8_t {
  kNone = 0, kBig5, kLatin2, kDec8, kCp850, kLatin1, kHp8, kKoi8r, kSwe7, kAscii, kUjis,
  kSjis, kHebrew, kTis620, kEuckr, kLatin7, kKoi8u, kGb2312, kGreek, kCp1250, kGbk,
  kCp1257, kLatin5, kArmscii8, kUtf8mb3, kUcs2, kCp866, kKeybcs2, kMacce, kMacroman,
  kCp852, kCp1251, kUtf16, kUtf16le, kCp1256, kUtf32, kBinary, kGeostd8, kCp932,
  kEucjpms, kGb18030, kUtf8mb4, kCharsetCount
};

constexpr std::array<Charset, kCharsetCount> kCharsets = {{
    {"", nullptr},
    {"big5", "BIG5"},
    {"latin2", "ISO-8859-2"},
    {"dec8", "DEC-MCS"},
    {"cp850", "CP850"},
    {"latin1", nullptr},
    {"hp8", "HP-ROMAN8"},
    {"koi8r", "KOI8-R"},
    {"swe7", nullptr},
    {"ascii", nullptr},
    {"ujis", "EUC-JP"},
    {"sjis", "SJIS"},
    {"hebrew", "ISO-8859-8"},
    {"tis620", "TIS-620"},
    {"euckr", "EUC-KR"},
    {"latin7", "ISO-8859-13"},
    {"koi8u", "KOI8-U"},
    {"gb2312", "EUC-CN"},
    {"greek", "ISO-8859-7"},
    {"cp1250", "CP1250"},
    {"gbk", "GBK"},
    {"cp1257", "CP1257"},
    {"latin5", "ISO-8859-9"},
    {"armscii8", "ARMSCII-8"},
    {"utf8mb3", nullptr},
    {"ucs2", "UCS-2BE"},
    {"cp866", "CP866"},
    {"keybcs2", nullptr},
    {"macce", nullptr},
    {"macroman", "MACINTOSH"},
    {"cp852", "CP852"},
    {"cp1251", "CP1251"},
    {"utf16", "UTF-16BE"},
    {"utf16le", "UTF-16LE"},
    {"cp1256", "CP1256"},
    {"utf32", "UTF-32BE"},
    {"binary", nullptr},
    {"geostd8", nullptr},
    {"cp932", "CP932"},
    {"eucjpms", "EUC-JP-MS"},
    {"gb18030", "GB18030"},
    {"utf8mb4", nullptr},
}};

// Collations 1..99, by id (index 0 unused, 0 = no such id).
constexpr std::array<uint8_t, 100> kLowIds = {
    kNone,    kBig5,    kLatin2,   kDec8,    kCp850,   kLatin1,  kHp8,     kKoi8r,   kLatin1,
    kLatin2,  kSwe7,    kAscii,    kUjis,    kSjis,    kCp1251,  kLatin1,  kHebrew,  kNone,
    kTis620,  kEuckr,   kLatin7,   kLatin2,  kKoi8u,   kCp1251,  kGb2312,  kGreek,   kCp1250,
    kLatin2,  kGbk,     kCp1257,   kLatin5,  kLatin1,  kArmscii8, kUtf8mb3, kCp1250, kUcs2,
    kCp866,   kKeybcs2, kMacce,    kMacroman, kCp852,  kLatin7,  kLatin7,  kMacce,   kCp1250,
    kUtf8mb4, kUtf8mb4, kLatin1,   kLatin1,  kLatin1,  kCp1251,  kCp1251,  kCp1251,  kMacroman,
    kUtf16,   kUtf16,   kUtf16le,  kCp1256,  kCp1257,  kCp1257,  kUtf32,   kUtf32,   kUtf16le,
    kBinary,  kArmscii8, kAscii,   kCp1250,  kCp1256,  kCp866,   kDec8,    kGreek,   kHebrew,
    kHp8,     kKeybcs2, kKoi8r,    kKoi8u,   kUtf8mb3, kLatin2,  kLatin5,  kLatin7,  kCp850,
    kCp852,   kSwe7,    kUtf8mb3,  kBig5,    kEuckr,   kGb2312,  kGbk,     kSjis,    kTis620,
    kUcs2,    kUjis,    kGeostd8,  kGeostd8, kLatin1,  kCp932,   kCp932,   kEucjpms, kEucjpms,
    kCp1250,
};

constexpr uint8_t ComputeCharsetId(uint16_t id) {
  if (id < kLowIds.size()) return kLowIds[id];
  if (id >= 101 && id <= 124) return kUtf16;
  if (id >= 128 && id <= 151) return kUcs2;
  if (id == 159) return kUcs2;
  if (id >= 160 && id <= 183) return kUtf32;
  if (id >= 192 && id <= 215) return kUtf8mb3;
  if (id == 223) return kUtf8mb3;
  if (id >= 224 && id <= 247) return kUtf8mb4;
  if (id >= 248 && id <= 250) return kGb18030;
  if (id >= 255 && id <= 323) return kUtf8mb4;  // MySQL 8 *_0900_* collations
  // MariaDB: croatian, myanmar and thai_520_w2 UCA collations.
  if (id >= 576 && id <= 578) return kUtf8mb3;
  if (id >= 608 && id <= 610) return kUtf8mb4;
  if (id >= 640 && id <= 642) return kUcs2;
  if (id >= 672 && id <= 674) return kUtf16;
  if (id >= 736 && id <= 738) return kUtf32;
  // MariaDB NOPAD collations: the PAD collation's id + 1024.
  if (id > 1024 && id < 2048) return ComputeCharsetId(static_cast<uint16_t>(id - 1024));
  // MariaDB UCA-14.0 collations: 256 ids per charset.
  if (id >= 2048 && id < 2304) return kUtf8mb3;
  if (id >= 2304 && id < 2560) return kUtf8mb4;
  if (id >= 2560 && id < 2816) return kUcs2;
  if (id >= 2816 && id < 3072) return kUtf16;
  if (id >= 3072 && id < 3328) return kUtf32;
  return kNone;
}

// Every collation id below 3328 (the highest known) to its charset, computed
// at compile time: a text value looks its charset up once or twice.
constexpr size_t kCollationIds = 3328;
constexpr std::array<uint8_t, kCollationIds> kCharsetOfId = [] {
  std::array<uint8_t, kCollationIds> ids{};
  for (size_t id = 0; id < kCollationIds; ++id) {
    ids[id] = ComputeCharsetId(static_cast<uint16_t>(id));
  }
  return ids;
}();

uint8_t CharsetIdOf(uint16_t id) {
  return id < kCollationIds ? kCharsetOfId[id] : static_cast<uint8_t>(kNone);
}

// Windows-1252 as MySQL's latin1 has it: 0x80..0x9F.
constexpr std::array<uint16_t, 32> kLatin1High = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

bool Latin1ToUtf8(std::string_view in, std::string* out) {
  // An ASCII run is its own UTF-8; it is copied whole.
  size_t i = SkipAscii(in, 0);
  out->assign(in.substr(0, i));
  while (i < in.size()) {
    auto c = static_cast<uint8_t>(in[i]);
    AppendUtf8((c >= 0x80 && c < 0xA0) ? kLatin1High[c - 0x80] : c, out);
    const size_t next = SkipAscii(in, i + 1);
    out->append(in.substr(i + 1, next - i - 1));
    i = next;
  }
  return true;
}

bool AsciiToUtf8(std::string_view in, std::string* out) {
  if (SkipAscii(in, 0) != in.size()) return false;
  out->assign(in);
  return true;
}

// Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF;
// utf8mb3 also nothing of four bytes).
bool ValidUtf8(std::string_view in, bool allow_four_bytes) {
  size_t i = SkipAscii(in, 0);
  while (i < in.size()) {
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(in.substr(i), &cp);
    if (len == 0 || (len == 4 && !allow_four_bytes)) return false;
    i = SkipAscii(in, i + len);
  }
  return true;
}

bool IconvToUtf8(const char* from, std::string_view in, std::string* out) {
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  out->assign(in.size() * 4 + 16, '\0');
  char* src = const_cast<char*>(in.data());
  size_t src_left = in.size();
  size_t produced = 0;
  bool ok = true;
  while (src_left > 0) {
    char* dst = out->data() + produced;
    size_t dst_left = out->size() - produced;
    size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
    produced = out->size() - dst_left;
    if (r != static_cast<size_t>(-1)) continue;
    if (errno == E2BIG) {
      out->resize(out->size() * 2);
      continue;
    }
    ok = false;  // EILSEQ or EINVAL: not valid in the source charset
    break;
  }
  iconv_close(cd);
  out->resize(produced);
  return ok;
}

}  // namespace

const Charset* CharsetOfCollation(uint16_t collation) {
  uint8_t id = CharsetIdOf(collation);
  return id == kNone ? nullptr : &kCharsets[id];
}

uint16_t FirstCollationOf(std::string_view name) {
  for (uint16_t id = 1; id < 1024; ++id) {
    uint8_t cs = CharsetIdOf(id);
    if (cs != kNone && name == kCharsets[cs].name) return id;
  }
  return 0;
}

bool IsBinaryCollation(uint16_t collation) { return CharsetIdOf(collation) == kBinary; }

bool ToUtf8(uint16_t collation, std::string_view in, std::string* out) {
  switch (CharsetIdOf(collation)) {
    case kNone:
    case kBinary:
      return false;
    case kUtf8mb4:
    case kUtf8mb3:
      if (!ValidUtf8(in, CharsetIdOf(collation) == kUtf8mb4)) return false;
      out->clear();  // then append: a plain copy into the kept capacity
      out->append(in);
      return true;
    case kLatin1:
      return Latin1ToUtf8(in, out);
    case kAscii:
      return AsciiToUtf8(in, out);
    default: {
      const Charset* cs = CharsetOfCollation(collation);
      if (cs->iconv == nullptr) return false;
      if (in.empty()) {
        out->clear();
        return true;
      }
      return IconvToUtf8(cs->iconv, in, out);
    }
  }
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace cdc::binlog
