#include "core/thread_name.hpp"

#include <pthread.h>

#include <algorithm>
#include <array>
#include <cstddef>

namespace ptalk::core {

namespace {
// The kernel's TASK_COMM_LEN, with the terminating NUL.
constexpr std::size_t name_capacity = 16;
}  // namespace

void name_thread(std::thread& thread, std::string_view name) noexcept {
    std::array<char, name_capacity> buf{};
    name.copy(buf.data(), std::min(name.size(), name_capacity - 1));
    (void)pthread_setname_np(thread.native_handle(), buf.data());
}

std::string this_thread_name() {
    std::array<char, name_capacity> buf{};
    if (pthread_getname_np(pthread_self(), buf.data(), buf.size()) != 0) return {};
    return std::string(buf.data());
}

}  // namespace ptalk::core
