// ByteReader: the one bounds-checked reader both decoders use.
//
// It borrows the bytes it reads: every string_view it hands out points into the
// buffer given to the constructor and is valid as long as that buffer is. No
// read ever goes past the end: a short read returns false and leaves the
// reader where it was, so the caller can name the field and offset in its
// error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace cdc {

class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ >= data_.size(); }
  std::string_view rest() const { return data_.substr(pos_); }

  bool Skip(size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }

  bool ReadU8(uint8_t* out) {
    if (remaining() < 1) return false;
    *out = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }

  bool ReadBytes(size_t n, std::string_view* out) {
    if (remaining() < n) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }

  // A NUL-terminated string; the NUL is consumed but not returned.
  bool ReadCString(std::string_view* out) {
    const void* nul = std::memchr(data_.data() + pos_, '\0', remaining());
    if (nul == nullptr) return false;
    size_t len = static_cast<const char*>(nul) - (data_.data() + pos_);
    *out = data_.substr(pos_, len);
    pos_ += len + 1;
    return true;
  }

  // Big-endian (network order) unsigned integers of `Bytes` bytes.
  template <size_t Bytes, typename T>
  bool ReadBE(T* out) {
    static_assert(Bytes <= sizeof(T));
    if (remaining() < Bytes) return false;
    T v = 0;
    for (size_t i = 0; i < Bytes; ++i) v = static_cast<T>((v << 8) | Byte(pos_ + i));
    pos_ += Bytes;
    *out = v;
    return true;
  }

  // Little-endian unsigned integers of `Bytes` bytes.
  template <size_t Bytes, typename T>
  bool ReadLE(T* out) {
    static_assert(Bytes <= sizeof(T));
    if (remaining() < Bytes) return false;
    T v = 0;
    for (size_t i = Bytes; i-- > 0;) v = static_cast<T>((v << 8) | Byte(pos_ + i));
    pos_ += Bytes;
    *out = v;
    return true;
  }

  bool ReadU16BE(uint16_t* out) { return ReadBE<2>(out); }
  bool ReadU32BE(uint32_t* out) { return ReadBE<4>(out); }
  bool ReadU64BE(uint64_t* out) { return ReadBE<8>(out); }
  bool ReadI16BE(int16_t* out) {
    uint16_t v;
    if (!ReadBE<2>(&v)) return false;
    *out = static_cast<int16_t>(v);
    return true;
  }
  bool ReadI32BE(int32_t* out) {
    uint32_t v;
    if (!ReadBE<4>(&v)) return false;
    *out = static_cast<int32_t>(v);
    return true;
  }
  bool ReadI64BE(int64_t* out) {
    uint64_t v;
    if (!ReadBE<8>(&v)) return false;
    *out = static_cast<int64_t>(v);
    return true;
  }

  bool ReadU16LE(uint16_t* out) { return ReadLE<2>(out); }
  bool ReadU24LE(uint32_t* out) { return ReadLE<3>(out); }
  bool ReadU32LE(uint32_t* out) { return ReadLE<4>(out); }
  bool ReadU48LE(uint64_t* out) { return ReadLE<6>(out); }
  bool ReadU64LE(uint64_t* out) { return ReadLE<8>(out); }

  // MySQL length-encoded integer (0xfb, the NULL marker, is rejected).
  bool ReadLengthEncoded(uint64_t* out) {
    uint8_t first;
    size_t start = pos_;
    if (!ReadU8(&first)) return false;
    bool ok = true;
    if (first < 0xfb) {
      *out = first;
    } else if (first == 0xfc) {
      ok = ReadLE<2>(out);
    } else if (first == 0xfd) {
      ok = ReadLE<3>(out);
    } else if (first == 0xfe) {
      ok = ReadLE<8>(out);
    } else {
      ok = false;
    }
    if (!ok) pos_ = start;
    return ok;
  }

 private:
  uint8_t Byte(size_t i) const { return static_cast<uint8_t>(data_[i]); }

  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace cdc
