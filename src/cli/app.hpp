#pragma once
// The ptalk command line: parses argv, runs one subcommand, returns its exit code
// (docs/CLI.md). apps/ptalk/main.cpp is only this.
#include <ostream>

namespace ptalk::cli {

[[nodiscard]] int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace ptalk::cli
