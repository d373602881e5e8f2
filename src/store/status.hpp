#pragma once
// Store errors are results, never exceptions: the server answers 503 on a
// store that cannot write, and refuses to start on one it cannot open.
#include <optional>
#include <string>
#include <utility>

namespace ptalk::store {

enum class StatusCode {
    ok,
    cannot_open,     // the data directory or database file cannot be created or opened
    read_only,       // the directory, file or file system does not allow writes
    full,            // the disk (or the configured page limit) is full
    io_error,        // any other I/O failure
    corrupt,         // the file is not a database or fails its checks
    schema_too_new,  // written by a newer ptalk: refusing to touch it
    closed,          // the store is not open (or already closed)
    timeout,         // a flush or close did not finish in time
    error,           // anything else from the database engine
};

struct Status {
    StatusCode code = StatusCode::ok;
    std::string message;  // one line, says what and where; empty when ok

    [[nodiscard]] bool ok() const noexcept { return code == StatusCode::ok; }
    explicit operator bool() const noexcept { return ok(); }
};

[[nodiscard]] const char* to_string(StatusCode c) noexcept;

// A value or the Status that explains why there is none.
template <class T>
class Result {
  public:
    Result(T value) : value_(std::move(value)) {}       // NOLINT: implicit on purpose
    Result(Status error) : error_(std::move(error)) {}  // NOLINT: implicit on purpose

    [[nodiscard]] bool has_value() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return has_value(); }
    [[nodiscard]] T& value() & { return value_.value(); }
    [[nodiscard]] const T& value() const& { return value_.value(); }
    [[nodiscard]] T&& value() && { return std::move(value_).value(); }
    [[nodiscard]] T& operator*() & { return *value_; }
    [[nodiscard]] const T& operator*() const& { return *value_; }
    [[nodiscard]] T* operator->() { return &*value_; }
    [[nodiscard]] const T* operator->() const { return &*value_; }
    // Ok when there is a value.
    [[nodiscard]] const Status& error() const noexcept { return error_; }

  private:
    std::optional<T> value_;
    Status error_;
};

}  // namespace ptalk::store
