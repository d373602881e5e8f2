// ptalk: the operator's command line and console. A thin main over src/cli.
#include <iostream>

#include "cli/app.hpp"

int main(int argc, char** argv) {
    return ptalk::cli::run(argc, argv, std::cout, std::cerr);
}
