#pragma once
// GNU readline for the console, through its callback interface: the main
// thread polls the terminal and the inbox together, so lines from the watcher
// are printed above the prompt without garbling what is being typed
// (rl_clear_visible_line, print, rl_on_new_line + rl_redisplay).
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/console/inbox.hpp"

namespace ptalk::cli::console {

struct EditorHooks {
    std::function<bool(const std::string&)> on_line;  // false: quit
    std::function<std::vector<std::string>(std::string_view line, std::size_t word_start)> complete;
    std::function<std::string()> prompt;
};

// $XDG_STATE_HOME/ptalk/history or ~/.local/state/ptalk/history (empty: none).
[[nodiscard]] std::filesystem::path default_history_path();

class LineEditor {
  public:
    // Only one at a time: readline's state is global.
    LineEditor(std::filesystem::path history_file, EditorHooks hooks);
    ~LineEditor();  // saves the history
    LineEditor(const LineEditor&) = delete;
    LineEditor& operator=(const LineEditor&) = delete;

    // Reads and handles lines until quit or end of input.
    void run(Inbox& inbox);

  private:
    static void on_line(char* line);
    static char** on_complete(const char* text, int start, int end);
    void print_above(const std::vector<std::string>& lines);
    void interrupted();

    std::filesystem::path history_file_;
    EditorHooks hooks_;
    int added_ = 0;
    bool done_ = false;
};

}  // namespace ptalk::cli::console
