#include "ptalkd_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http_client.hpp"

#ifndef PTALKD_PATH
#error "PTALKD_PATH must name the ptalkd binary"
#endif

namespace ptalk::test {

namespace {

// A port below the kernel's ephemeral range (32768-60999): a port the kernel
// hands out (port 0) can be given to a simulated device's outgoing connection
// before ptalkd binds it, or while a test restarts ptalkd on it.
std::uint16_t free_port() {
    thread_local std::mt19937 rng(std::random_device{}());
    boost::asio::io_context ioc;
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto port =
            static_cast<std::uint16_t>(std::uniform_int_distribution<int>(20000, 32000)(rng));
        boost::asio::ip::tcp::acceptor a(ioc);
        boost::system::error_code ec;
        a.open(boost::asio::ip::tcp::v4(), ec);
        a.bind({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
        if (!ec) return port;
    }
    throw std::runtime_error("no free port in 20000-32000");
}

std::filesystem::path make_temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ptalkd-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return tmpl;
}

}  // namespace

const std::string& test_admin_token() {
    static const std::string token = [] {
        std::random_device rd;
        std::string t = "ptk_test_";
        static constexpr char digits[] = "0123456789abcdef";
        for (int i = 0; i < 40; ++i)
            t.push_back(digits[rd() % 16]);
        return t;
    }();
    return token;
}

PtalkdProcess::PtalkdProcess(std::vector<std::string> args)
    : args_(std::move(args)), data_dir_(make_temp_dir()), log_file_(data_dir_ / "ptalkd.log") {}

PtalkdProcess::~PtalkdProcess() {
    if (pid_ > 0) kill9();
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
}

std::string PtalkdProcess::ws_url() const {
    return "ws://127.0.0.1:" + std::to_string(port_) + "/ws";
}

std::string PtalkdProcess::log() const {
    std::ifstream f(log_file_);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void PtalkdProcess::spawn() {
    // Flags given by the test win over the defaults (CLI11 refuses a flag given twice).
    auto given = [&](std::string_view flag) {
        return std::find(args_.begin(), args_.end(), flag) != args_.end();
    };
    if (port_ == 0) {
        auto it = std::find(args_.begin(), args_.end(), "--port");
        port_ = it != args_.end() && std::next(it) != args_.end()
                    ? static_cast<std::uint16_t>(std::stoi(*std::next(it)))
                    : free_port();
    }
    std::vector<std::string> argv_s{PTALKD_PATH, "--threads", "2"};
    if (!given("--listen")) argv_s.insert(argv_s.end(), {"--listen", "127.0.0.1"});
    if (!given("--port")) argv_s.insert(argv_s.end(), {"--port", std::to_string(port_)});
    if (!given("--data-dir"))
        argv_s.insert(argv_s.end(), {"--data-dir", (data_dir_ / "data").string()});
    if (!given("--admin-token-file")) {
        // ptalkd imports a token it finds in this file as an admin token.
        const auto file = data_dir_ / "admin-token";
        std::ofstream(file) << test_admin_token() << "\n";
        std::filesystem::permissions(
            file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        argv_s.insert(argv_s.end(), {"--admin-token-file", file.string()});
    }
    argv_s.insert(argv_s.end(), args_.begin(), args_.end());
    std::vector<char*> argv;
    for (auto& a : argv_s)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        const int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        close_range(3, ~0U, 0);  // no test sockets (simulated devices) held open by ptalkd
        execv(argv[0], argv.data());
        _exit(127);
    }
    pid_ = pid;
    exit_code_ = -1;
}

int PtalkdProcess::start_expecting_exit() {
    spawn();
    for (int i = 0; i < 500; ++i) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return exit_code_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill9();
    return -1;
}

void PtalkdProcess::start() {
    spawn();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("ptalkd exited at start:\n" + log());
        }
        try {
            HttpClient c(port_);
            if (c.get("/healthz").status == 200) return;
        } catch (...) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("ptalkd did not become healthy:\n" + log());
}

void PtalkdProcess::wait_exit() {
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
}

void PtalkdProcess::terminate() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    wait_exit();
}

void PtalkdProcess::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    wait_exit();
}

}  // namespace ptalk::test
