// Errors as values (Strata builds with -fno-exceptions): a Status is ok or carries a message,
// a Result<T> carries a value or a message. Messages are user-facing and name what is at fault.
#pragma once

#include <string>
#include <utility>

namespace strata {
namespace te {

class Status {
public:
  Status() = default;
  static Status error(std::string msg) {
    Status s;
    s.msg_ = std::move(msg);
    s.failed_ = true;
    return s;
  }
  bool ok() const { return !failed_; }
  const std::string &message() const { return msg_; }

private:
  std::string msg_;
  bool failed_ = false;
};

template <typename T> class Result {
public:
  Result(T value) : value_(std::move(value)) {}
  Result(Status error) : status_(std::move(error)) {}
  bool ok() const { return status_.ok(); }
  const std::string &error() const { return status_.message(); }
  const Status &status() const { return status_; }
  T &value() { return value_; }
  const T &value() const { return value_; }
  T *operator->() { return &value_; }

private:
  T value_{};
  Status status_;
};

} // namespace te
} // namespace strata
