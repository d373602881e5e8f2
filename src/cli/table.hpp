#pragma once
// Aligned plain-text tables for people (scripts use --json). Pure.
#include <string>
#include <vector>

namespace ptalk::cli {

class Table {
  public:
    explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}

    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    [[nodiscard]] bool empty() const noexcept { return rows_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return rows_.size(); }

    // Columns two spaces apart, trailing spaces trimmed, one line per row.
    [[nodiscard]] std::string render() const;

  private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;
};

// Terminal columns a UTF-8 string takes (one per code point; enough for names).
[[nodiscard]] std::size_t display_width(const std::string& s) noexcept;

}  // namespace ptalk::cli
