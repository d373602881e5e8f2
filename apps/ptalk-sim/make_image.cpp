#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "commands.hpp"
#include "protocol/firmware_image.hpp"

namespace ptalk::sim::cli {

int make_image(const ImageConfig& c) {
    if (c.size < protocol::esp_image_prefix_bytes) {
        fmt::print(stderr, "--size must be at least {} bytes\n", protocol::esp_image_prefix_bytes);
        return 2;
    }
    auto image = protocol::make_test_firmware_image(c.version, c.size, c.project, c.seed);
    std::ofstream out(c.output, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(image.data()),
              static_cast<std::streamsize>(image.size()));
    out.close();
    if (!out) {
        fmt::print(stderr, "cannot write {}\n", c.output);
        return 1;
    }
    fmt::print("{}  {} bytes  version {}  sha256 {}\n", c.output, image.size(), c.version,
               protocol::sha256_hex(image));
    return 0;
}

}  // namespace ptalk::sim::cli
