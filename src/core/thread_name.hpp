#pragma once
// Names for our threads, so that `top -H`, `ps -L`, perf and gdb tell ptalkd's
// event loops from its store writers (and ptalk-sim's loops apart).
#include <string>
#include <string_view>
#include <thread>

namespace ptalk::core {

// Names a thread just started, from the thread that started it, so that the
// name is there as soon as the call that started it (EventLoops::run,
// SqliteStore::open, …) returns. Linux keeps 15 bytes of a name: a longer one
// is cut there. Never fails: a name is a convenience, not a contract.
void name_thread(std::thread& thread, std::string_view name) noexcept;

// The calling thread's name ("" if it cannot be read).
std::string this_thread_name();

}  // namespace ptalk::core
