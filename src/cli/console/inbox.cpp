#include "cli/console/inbox.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <system_error>

namespace ptalk::cli::console {

Inbox::Inbox() {
    if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe");
}

Inbox::~Inbox() {
    ::close(pipe_[0]);
    ::close(pipe_[1]);
}

void Inbox::post(std::string line) {
    {
        std::lock_guard lock(mutex_);
        lines_.push_back(std::move(line));
    }
    const char byte = 1;
    // A full pipe already means "wake up"; nothing is lost, the lines are queued.
    [[maybe_unused]] const auto n = ::write(pipe_[1], &byte, 1);
}

std::vector<std::string> Inbox::drain() {
    char buf[256];
    while (::read(pipe_[0], buf, sizeof buf) > 0) {
    }
    std::lock_guard lock(mutex_);
    std::vector<std::string> out(std::make_move_iterator(lines_.begin()),
                                 std::make_move_iterator(lines_.end()));
    lines_.clear();
    return out;
}

}  // namespace ptalk::cli::console
