#include "cli/progress.hpp"

#include <gtest/gtest.h>

namespace ptalk::cli {
namespace {

TEST(Progress, BarAndBytes) {
    EXPECT_EQ(progress_bar(50, 100, 10), "[#####-----]  50%");
    EXPECT_EQ(progress_bar(0, 0, 4), "[####] 100%");
    EXPECT_EQ(progress_bar(200, 100, 4), "[####] 100%");
    EXPECT_EQ(format_bytes(900), "900 B");
    EXPECT_EQ(format_bytes(312 * 1024), "312 KiB");
    EXPECT_EQ(format_bytes(1024 * 1024 * 3 / 2), "1.5 MiB");
}

}  // namespace
}  // namespace ptalk::cli
