#pragma once
// Runs the real ptalk binary as a child process: arguments in; exit code,
// stdout and stderr out. HOME is a fresh directory so no user config or
// history leaks into a test.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ptalk::test {

struct CliResult {
    int code = -1;
    std::string out;
    std::string err;
};

// `env` adds or overrides variables; a value of "" removes one.
CliResult run_ptalk(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env = {});

// The environment a ptalk child gets: the test's own, HOME set to `home`,
// PTALK_* removed, PTALK_TOKEN set to test_admin_token(), then `extra` applied.
std::vector<std::string> child_environment(const std::filesystem::path& home,
                                           const std::map<std::string, std::string>& extra);

// The ptalk binary's argv and envp, built before fork() (allocating in the
// child of a threaded process can deadlock); exec() runs it in the child.
class PtalkExec {
  public:
    PtalkExec(const std::vector<std::string>& args, std::vector<std::string> env);
    [[noreturn]] void exec();

  private:
    std::vector<std::string> args_, env_;
    std::vector<char*> argv_, envp_;
};

// A temporary directory removed when the object goes.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  private:
    std::filesystem::path path_;
};

}  // namespace ptalk::test
