// A value or a human-readable error message.
//
// core/ is C++17, so std::expected is not available. Bad input (corrupt images, oversized images,
// truncated files) is an expected outcome in DeadZone, not an exceptional one, so functions that
// read user data return Result<T> and callers must look at ok() before using the value.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace deadzone {

struct Error {
    std::string message;
};

template <typename T>
class Result {
public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error error) : state_(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(state_); }
    explicit operator bool() const { return ok(); }

    const T& value() const& { return std::get<T>(state_); }
    T& value() & { return std::get<T>(state_); }
    T&& value() && { return std::get<T>(std::move(state_)); }

    // Empty when ok().
    const std::string& error() const {
        static const std::string kNone;
        return ok() ? kNone : std::get<Error>(state_).message;
    }

private:
    std::variant<T, Error> state_;
};

} // namespace deadzone
