#pragma once
// ptalk-sim's two commands, over the sim library.
#include "cli_options.hpp"

namespace ptalk::sim::cli {

// Runs a fleet until --duration passes or SIGINT/SIGTERM; returns the exit code.
int run_fleet(const RunConfig& c);
// ptalk-sim make-image: writes a test firmware image; returns the exit code.
int make_image(const ImageConfig& c);

}  // namespace ptalk::sim::cli
