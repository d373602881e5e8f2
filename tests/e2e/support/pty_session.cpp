#include "pty_session.hpp"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <stdexcept>

#include "cli_runner.hpp"

namespace ptalk::test {

PtySession::PtySession(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    PtalkExec cmd(args, env);
    winsize ws{};
    ws.ws_row = 50;
    ws.ws_col = 200;
    pid_ = forkpty(&master_, nullptr, nullptr, &ws);
    if (pid_ < 0) throw std::runtime_error("forkpty failed");
    if (pid_ == 0) cmd.exec();
}

PtySession::~PtySession() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    if (master_ >= 0) close(master_);
}

void PtySession::send(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const auto n = write(master_, bytes.data() + done, bytes.size() - done);
        if (n <= 0) throw std::runtime_error("write to the pty failed");
        done += static_cast<std::size_t>(n);
    }
}

bool PtySession::read_some(std::chrono::milliseconds wait) {
    pollfd p{master_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
    char buf[4096];
    const auto n = read(master_, buf, sizeof buf);
    if (n <= 0) return false;  // EIO once the child has gone
    output_.append(buf, static_cast<std::size_t>(n));
    return true;
}

bool PtySession::expect(const std::string& text, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (const auto at = output_.find(text, mark_); at != std::string::npos) {
            mark_ = at + text.size();
            return true;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        if (!read_some(std::min(left, std::chrono::milliseconds(100))) && pid_ > 0) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                while (read_some(std::chrono::milliseconds(0))) {
                }
                return output_.find(text, mark_) != std::string::npos;
            }
        }
    }
}

int PtySession::wait_exit(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
        read_some(std::chrono::milliseconds(50));
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
    }
    return -1;
}

}  // namespace ptalk::test
