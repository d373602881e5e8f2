#pragma once
// Lines for the console to print, posted from other threads. The main loop
// polls fd() beside the terminal and drains when it is readable, so readline
// is only ever touched from the main thread.
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace ptalk::cli::console {

class Inbox {
  public:
    Inbox();
    ~Inbox();
    Inbox(const Inbox&) = delete;
    Inbox& operator=(const Inbox&) = delete;

    void post(std::string line);                     // any thread
    [[nodiscard]] std::vector<std::string> drain();  // the main thread
    [[nodiscard]] int fd() const noexcept { return pipe_[0]; }

  private:
    std::mutex mutex_;
    std::deque<std::string> lines_;
    int pipe_[2] = {-1, -1};
};

}  // namespace ptalk::cli::console
