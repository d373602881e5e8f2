#include "cli_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "support/ptalkd_process.hpp"

#ifndef PTALK_PATH
#error "PTALK_PATH must name the ptalk binary"
#endif

extern char** environ;

namespace ptalk::test {

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ptalk-e2e-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

PtalkExec::PtalkExec(const std::vector<std::string>& args, std::vector<std::string> env)
    : args_{PTALK_PATH}, env_(std::move(env)) {
    args_.insert(args_.end(), args.begin(), args.end());
    for (auto& a : args_)
        argv_.push_back(a.data());
    argv_.push_back(nullptr);
    for (auto& e : env_)
        envp_.push_back(e.data());
    envp_.push_back(nullptr);
}

void PtalkExec::exec() {
    // The test's own sockets (the in-process simulator's devices) must not live
    // on in the child: a device's close would then send no FIN to ptalkd.
    close_range(3, ~0U, 0);
    execve(argv_[0], argv_.data(), envp_.data());
    _exit(127);
}

std::vector<std::string> child_environment(const std::filesystem::path& home,
                                           const std::map<std::string, std::string>& extra) {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string kv(*e);
        const auto eq = kv.find('=');
        if (eq == std::string::npos) continue;
        const auto key = kv.substr(0, eq);
        if (key.starts_with("PTALK_") || key.starts_with("XDG_")) continue;
        env[key] = kv.substr(eq + 1);
    }
    env["HOME"] = home.string();
    // The admin token every test ptalkd starts with; `extra` may override or remove it.
    env["PTALK_TOKEN"] = test_admin_token();
    for (const auto& [k, v] : extra) {
        if (v.empty()) {
            env.erase(k);
        } else {
            env[k] = v;
        }
    }
    std::vector<std::string> out;
    for (const auto& [k, v] : env)
        out.push_back(k + "=" + v);
    return out;
}

CliResult run_ptalk(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env) {
    TempDir home;
    PtalkExec cmd(args, child_environment(home.path(), env));
    int out_pipe[2], err_pipe[2];
    if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        close(out_pipe[0]);
        close(err_pipe[0]);
        close(out_pipe[1]);
        close(err_pipe[1]);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        cmd.exec();
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    CliResult r;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open_fds = 2;
    char buf[4096];
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            const auto n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                sinks[i]->append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

}  // namespace ptalk::test
