#include "cli/console/line_editor.hpp"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

// readline's headers need stdio first.
#include <readline/history.h>
#include <readline/readline.h>

namespace ptalk::cli::console {

namespace {

LineEditor* active = nullptr;
volatile sig_atomic_t got_sigint = 0;

extern "C" void note_sigint(int) {
    got_sigint = 1;
}

char* dup(const std::string& s) {
    char* p = static_cast<char*>(std::malloc(s.size() + 1));
    std::memcpy(p, s.c_str(), s.size() + 1);
    return p;
}

}  // namespace

std::filesystem::path default_history_path() {
    if (const char* x = std::getenv("XDG_STATE_HOME"); x != nullptr && *x != '\0')
        return std::filesystem::path(x) / "ptalk" / "history";
    if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0')
        return std::filesystem::path(h) / ".local" / "state" / "ptalk" / "history";
    return {};
}

LineEditor::LineEditor(std::filesystem::path history_file, EditorHooks hooks)
    : history_file_(std::move(history_file)), hooks_(std::move(hooks)) {
    active = this;
    rl_readline_name = "ptalk";
    rl_catch_signals = 0;  // Ctrl-C clears the line (interrupted()), it does not end the console
    rl_attempted_completion_function = &LineEditor::on_complete;
    // Names hold spaces: only spaces split words, and no quoting of completions.
    static char breaks[] = " \t";
    rl_completer_word_break_characters = breaks;
    using_history();
    stifle_history(1000);
    if (!history_file_.empty()) read_history(history_file_.c_str());
}

LineEditor::~LineEditor() {
    if (!history_file_.empty() && added_ > 0) {
        std::error_code ec;
        std::filesystem::create_directories(history_file_.parent_path(), ec);
        if (std::filesystem::exists(history_file_, ec)) {
            append_history(added_, history_file_.c_str());
        } else {
            write_history(history_file_.c_str());
        }
        history_truncate_file(history_file_.c_str(), 1000);
    }
    clear_history();
    active = nullptr;
}

void LineEditor::on_line(char* raw) {
    auto& self = *active;
    if (raw == nullptr) {  // end of input (Ctrl-D)
        std::cout << "\n";
        self.done_ = true;
        rl_callback_handler_remove();
        return;
    }
    const std::string line(raw);
    std::free(raw);
    if (line.find_first_not_of(" \t") != std::string::npos) {
        add_history(line.c_str());
        ++self.added_;
    }
    const bool go_on = self.hooks_.on_line(line);
    std::cout.flush();
    rl_callback_handler_remove();
    if (!go_on) {
        self.done_ = true;
        return;
    }
    // Installing again shows the prompt, which may have changed (use, name).
    rl_callback_handler_install(self.hooks_.prompt().c_str(), &LineEditor::on_line);
}

char** LineEditor::on_complete(const char*, int start, int end) {
    rl_attempted_completion_over = 1;  // never fall back to file names
    const std::string_view line(rl_line_buffer, static_cast<std::size_t>(std::max(end, 0)));
    const auto found = active->hooks_.complete(line, static_cast<std::size_t>(std::max(start, 0)));
    if (found.empty()) return nullptr;
    // matches[0] is what replaces the word: the longest common prefix of all.
    std::string common = found.front();
    for (const auto& f : found) {
        std::size_t n = 0;
        while (n < common.size() && n < f.size() && common[n] == f[n])
            ++n;
        common.resize(n);
    }
    auto** matches = static_cast<char**>(std::malloc((found.size() + 2) * sizeof(char*)));
    matches[0] = dup(found.size() == 1 ? found.front() : common);
    std::size_t i = 1;
    if (found.size() > 1)
        for (const auto& f : found)
            matches[i++] = dup(f);
    matches[i] = nullptr;
    return matches;
}

void LineEditor::print_above(const std::vector<std::string>& lines) {
    rl_clear_visible_line();
    for (const auto& l : lines)
        std::cout << l << "\n";
    std::cout.flush();
    rl_on_new_line();
    rl_redisplay();
}

void LineEditor::interrupted() {
    got_sigint = 0;
    rl_callback_sigcleanup();
    rl_replace_line("", 0);
    rl_point = rl_end = 0;
    std::cout << "^C\n";
    std::cout.flush();
    rl_on_new_line();
    rl_redisplay();
}

void LineEditor::run(Inbox& inbox) {
    struct sigaction sa {};
    sa.sa_handler = note_sigint;
    sigemptyset(&sa.sa_mask);
    struct sigaction old {};
    sigaction(SIGINT, &sa, &old);
    rl_callback_handler_install(hooks_.prompt().c_str(), &LineEditor::on_line);
    while (!done_) {
        pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {inbox.fd(), POLLIN, 0}};
        const int n = ::poll(fds, 2, -1);
        if (got_sigint != 0) interrupted();
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if ((fds[1].revents & POLLIN) != 0) {
            const auto lines = inbox.drain();
            if (!lines.empty()) print_above(lines);
        }
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) rl_callback_read_char();
    }
    if (!done_) rl_callback_handler_remove();
    sigaction(SIGINT, &old, nullptr);
}

}  // namespace ptalk::cli::console
