// Status and Result<T>: how every fallible call on the data path reports an
// error. Codes follow LevelDB's Status; `retryable` says whether the same call
// may succeed later (a broker or a database that is down) or never will (bad
// input, bad configuration).
//
// A Status that is ignored must say so: call PermitUncheckedError().
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace cdc {

class [[nodiscard]] Status {
 public:
  enum class Code : uint8_t {
    kOk = 0,
    kNotFound,
    kCorruption,       // malformed bytes from the network or a file
    kNotSupported,
    kInvalidArgument,  // bad configuration or a bad request
    kIOError,          // a server or the disk failed
    kAborted,          // stopped on request
  };

  // OK is one null pointer: the status every call on the data path returns
  // (a value decoded, a row filled) costs no more than a bool.
  Status() = default;
  Status(const Status& other)
      : error_(other.error_ != nullptr ? std::make_unique<Error>(*other.error_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) {
      error_ = other.error_ != nullptr ? std::make_unique<Error>(*other.error_) : nullptr;
    }
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status NotSupported(std::string msg) { return Status(Code::kNotSupported, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status IOError(std::string msg, bool retryable = false) {
    Status s(Code::kIOError, std::move(msg));
    s.error_->retryable = retryable;
    return s;
  }
  static Status Aborted(std::string msg) { return Status(Code::kAborted, std::move(msg)); }

  bool ok() const { return error_ == nullptr; }
  Code code() const { return error_ != nullptr ? error_->code : Code::kOk; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsIOError() const { return code() == Code::kIOError; }
  bool IsNotSupported() const { return code() == Code::kNotSupported; }
  bool IsAborted() const { return code() == Code::kAborted; }
  bool retryable() const { return error_ != nullptr && error_->retryable; }
  // Empty for OK.
  const std::string& message() const { return error_ != nullptr ? error_->message : Empty(); }

  // "Corruption: <message>", or "OK".
  std::string ToString() const {
    const char* name = "OK";
    switch (code()) {
      case Code::kOk: return "OK";
      case Code::kNotFound: name = "NotFound"; break;
      case Code::kCorruption: name = "Corruption"; break;
      case Code::kNotSupported: name = "NotSupported"; break;
      case Code::kInvalidArgument: name = "InvalidArgument"; break;
      case Code::kIOError: name = "IOError"; break;
      case Code::kAborted: name = "Aborted"; break;
    }
    return std::string(name) + ": " + error_->message;
  }

  // Marks a deliberately ignored status, in a way grep finds.
  void PermitUncheckedError() const {}

  // Returns a copy whose message is "<prefix>: <message>".
  Status WithContext(const std::string& prefix) const {
    Status s = *this;
    if (!ok()) s.error_->message = prefix + ": " + error_->message;
    return s;
  }

 private:
  struct Error {
    Code code;
    bool retryable = false;
    std::string message;
  };

  Status(Code code, std::string msg)
      : error_(std::make_unique<Error>(Error{code, false, std::move(msg)})) {}

  static const std::string& Empty() {
    static const std::string empty;
    return empty;
  }

  std::unique_ptr<Error> error_;  // null: OK
};

// A value or the Status that says why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status::InvalidArgument("Result built from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace cdc

#define CDC_STATUS_CONCAT_INNER(a, b) a##b
#define CDC_STATUS_CONCAT(a, b) CDC_STATUS_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function if it is not OK.
#define CDC_RETURN_IF_ERROR(expr)                  \
  do {                                             \
    ::cdc::Status cdc_status_tmp_ = (expr);        \
    if (!cdc_status_tmp_.ok()) return cdc_status_tmp_; \
  } while (0)

// `CDC_ASSIGN_OR_RETURN(auto x, F())` assigns the value of a Result or returns
// its Status.
#define CDC_ASSIGN_OR_RETURN(lhs, expr) \
  CDC_ASSIGN_OR_RETURN_IMPL(CDC_STATUS_CONCAT(cdc_result_, __LINE__), lhs, expr)
#define CDC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
