// ptalk-sim: a fleet of simulated PTalk devices (see docs/SIMULATOR.md).
#include <CLI/CLI.hpp>

#include "cli_options.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
    using namespace ptalk::sim::cli;
    CLI::App app{"ptalk-sim: simulated PTalk devices that behave like the field firmware"};
    RunConfig run;
    ImageConfig image;
    add_run_options(app, run);
    auto* make = add_make_image(app, image);
    CLI11_PARSE(app, argc, argv);
    return make->parsed() ? make_image(image) : run_fleet(run);
}
