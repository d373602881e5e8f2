// ptalk firmware upload|list|show|delete against a real ptalkd.
#include <fstream>

#include <boost/json/parse.hpp>

#include "protocol/firmware_image.hpp"
#include "support/cli_fixture.hpp"

namespace ptalk::test {
namespace {

namespace json = boost::json;

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class FirmwareCli : public CliFixture {
  protected:
    // An image file in the test's temp dir.
    std::string write_image(std::string_view version, std::size_t size = 1024 * 1024,
                            std::uint32_t seed = 1) {
        const auto path =
            dir_.path() / (std::string(version) + "-" + std::to_string(seed) + ".bin");
        const auto bytes = protocol::make_test_firmware_image(version, size, "ptalk", seed);
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()),
                   static_cast<std::streamsize>(bytes.size()));
        return path.string();
    }
    TempDir dir_;
};

TEST_F(FirmwareCli, UploadListShowDelete) {
    const auto file = write_image("2.0.1");
    auto r = ptalk({"firmware", "upload", file, "--version", "2.0.1", "--notes", "louder beep",
                    "--min-battery", "40"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "uploaded ptalk 2.0.1 (1.0 MiB, sha256 ")) << r.out;
    // No --version: read from the image.
    r = ptalk({"firmware", "upload", write_image("2.0.10", 300 * 1024)});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "uploaded ptalk 2.0.10 ")) << r.out;

    r = ptalk({"firmware", "list"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "VERSION")) << r.out;
    const auto newer = r.out.find("2.0.10 ");
    const auto older = r.out.find("2.0.1 ");
    ASSERT_NE(newer, std::string::npos) << r.out;
    ASSERT_NE(older, std::string::npos) << r.out;
    EXPECT_LT(newer, older) << r.out;  // newest first
    EXPECT_TRUE(has(r.out, "louder beep")) << r.out;

    r = ptalk({"firmware", "list", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_GE(json::parse(r.out).at("firmware").as_array().size(), 2u);

    r = ptalk({"firmware", "show", "2.0.1"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "version:      2.0.1")) << r.out;
    EXPECT_TRUE(has(r.out, "min battery:  40")) << r.out;
    EXPECT_TRUE(has(r.out, "notes:        louder beep")) << r.out;
    r = ptalk({"firmware", "show", "2.0.1", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out).at("size").to_number<std::int64_t>(), 1024 * 1024);

    r = ptalk({"firmware", "delete", "2.0.1"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "deleted firmware 2.0.1\n");
    r = ptalk({"firmware", "show", "2.0.1"});
    EXPECT_EQ(r.code, 4);
    EXPECT_TRUE(has(r.err, "no firmware version 2.0.1")) << r.err;
    r = ptalk({"firmware", "delete", "2.0.1"});
    EXPECT_EQ(r.code, 4) << r.err;
}

TEST_F(FirmwareCli, RefusalsAreOneLineWithTheRightExitCode) {
    const auto file = write_image("3.0.0");
    ASSERT_EQ(ptalk({"firmware", "upload", file}).code, 0);
    // The same version again: the server says no (409 → exit 1).
    auto r = ptalk({"firmware", "upload", write_image("3.0.0", 1024 * 1024, 5)});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_TRUE(has(r.err, "already in the catalogue")) << r.err;
    // Checked locally first: a version that disagrees, a file that is no image.
    r = ptalk({"firmware", "upload", file, "--version", "3.0.1"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "says it is version 3.0.0, not 3.0.1")) << r.err;
    // Forced: stored under the given name.
    r = ptalk({"firmware", "upload", file, "--version", "3.0.0-lab", "--force"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(has(r.out, "uploaded ptalk 3.0.0-lab ")) << r.out;
    const auto junk = dir_.path() / "junk.bin";
    std::ofstream(junk) << "hello";
    r = ptalk({"firmware", "upload", junk.string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(has(r.err, "is not an ESP32 application image")) << r.err;
    EXPECT_EQ(ptalk({"firmware", "upload", (dir_.path() / "none.bin").string()}).code, 2);
    r = ptalk({"firmware", "upload", file, "--min-battery", "120"});
    EXPECT_EQ(r.code, 2) << r.err;
    // Over the server's cap (6 MiB): 413 → exit 2, one line.
    r = ptalk({"firmware", "upload", write_image("3.1.0", 6 * 1024 * 1024 + 1)});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(has(r.err, "limit")) << r.err;
}

}  // namespace
}  // namespace ptalk::test
