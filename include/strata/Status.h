//===- Status.h - errors as values ----------------------------------------===//
//
// Strata builds with -fno-exceptions: a Status is success or an error message,
// a Result<T> a value or an error message. Messages are user-facing and name
// what is at fault. These serve the parts that use no LLVM: this API and the
// tensor-expression IR (dialects/te, lowering/te_to_loops); the compiler
// inside, built on LLVM and MLIR, uses llvm::Error and llvm::Expected.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <utility>

namespace strata {

/// Success, or an error message.
class Status {
public:
  Status() = default;
  static Status error(std::string message) { return Status(std::move(message)); }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string &message() const { return message_; }

private:
  explicit Status(std::string message) : message_(std::move(message)), failed_(true) {}
  std::string message_;
  bool failed_ = false;
};

/// A value or an error message.
template <typename T> class Result {
public:
  Result(T value) : value_(std::move(value)), ok_(true) {}
  Result(Status status) : status_(std::move(status)) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const std::string &error() const { return status_.message(); }
  const Status &status() const { return status_; }
  T &operator*() { return value_; }
  const T &operator*() const { return value_; }
  T *operator->() { return &value_; }
  const T *operator->() const { return &value_; }

private:
  T value_{};
  Status status_;
  bool ok_ = false;
};

} // namespace strata
