#pragma once
// The ptalk console in a pseudo-terminal, typed into like a person would:
// send a line, wait until some text appears in what it printed since.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace ptalk::test {

class PtySession {
  public:
    // Starts `ptalk args…` on a new pty (200 columns) with the given environment.
    PtySession(const std::vector<std::string>& args, const std::vector<std::string>& env);
    ~PtySession();  // SIGKILL if still running
    PtySession(const PtySession&) = delete;
    PtySession& operator=(const PtySession&) = delete;

    void send(const std::string& bytes);  // as typed; add "\r" to press Enter
    void send_line(const std::string& line) { send(line + "\r"); }

    // Waits until `text` appears after the current mark; moves the mark past it.
    // False (and the output so far stays readable) if it did not within `limit`.
    bool expect(const std::string& text,
                std::chrono::milliseconds limit = std::chrono::seconds(20));
    // Waits for the child to exit; its exit code.
    int wait_exit(std::chrono::milliseconds limit = std::chrono::seconds(20));

    // Everything printed so far, escape sequences and all.
    [[nodiscard]] const std::string& output() const noexcept { return output_; }

  private:
    bool read_some(std::chrono::milliseconds wait);

    int master_ = -1;
    pid_t pid_ = -1;
    std::string output_;
    std::size_t mark_ = 0;
};

}  // namespace ptalk::test
