#pragma once
// Runs the real ptalkd binary as a child process on a free port with its own
// data directory, for integration tests: start, SIGTERM, kill -9, restart.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ptalk::test {

// The admin token every PtalkdProcess of this test binary is started with (through
// --admin-token-file) and HttpClient sends unless told otherwise.
[[nodiscard]] const std::string& test_admin_token();

class PtalkdProcess {
  public:
    // `args` are extra flags. The data directory is a fresh temporary one.
    explicit PtalkdProcess(std::vector<std::string> args = {});
    ~PtalkdProcess();

    // Starts ptalkd (on the previous port after a stop, so devices find it again)
    // and waits until /healthz answers.
    void start();
    // Starts ptalkd expecting it to refuse to run; waits for it to exit (at most
    // 10 s) and returns its exit code (-1 if it kept running, then it is killed).
    int start_expecting_exit();
    void terminate();  // SIGTERM, waits for exit; returns its exit status via exit_code()
    void kill9();      // SIGKILL, waits
    [[nodiscard]] bool running() const noexcept { return pid_ > 0; }
    [[nodiscard]] int exit_code() const noexcept { return exit_code_; }
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] std::string ws_url() const;
    [[nodiscard]] const std::filesystem::path& data_dir() const noexcept { return data_dir_; }
    [[nodiscard]] std::string log() const;  // everything it printed so far
    [[nodiscard]] const std::string& admin_token() const { return test_admin_token(); }

  private:
    void spawn();
    void wait_exit();

    std::vector<std::string> args_;
    std::filesystem::path data_dir_;
    std::filesystem::path log_file_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
    int exit_code_ = -1;
};

}  // namespace ptalk::test
