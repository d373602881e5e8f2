#include "firmware/file_catalogue.hpp"

#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "store_fixtures.hpp"

namespace ptalk::firmware {
namespace {

namespace fs = std::filesystem;
using store::test::open_store;
using store::test::TempDir;

constexpr std::size_t kib = 1024;

std::vector<std::uint8_t> image(std::string_view version, std::size_t size = 64 * kib,
                                std::uint32_t seed = 1) {
    return protocol::make_test_firmware_image(version, size, "ptalk", seed);
}

UploadRequest req(std::optional<std::string> version = std::nullopt, bool force = false) {
    UploadRequest r;
    r.version = std::move(version);
    r.force = force;
    r.uploaded_by = "test";
    return r;
}

// Every file name in a directory.
std::set<std::string> files_in(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        out.insert(e.path().filename().string());
    return out;
}

class CatalogueTest : public ::testing::Test {
  protected:
    void SetUp() override { reopen(); }

    void reopen(std::uint64_t max = protocol::default_ota_partition_bytes) {
        cat_.reset();
        if (store_) {
            ASSERT_TRUE(store_->close().ok());
        }
        store_ = open_store(dir_.path());
        auto c = FileCatalogue::open(*store_, {fw_dir(), max});
        ASSERT_TRUE(c) << c.error().message;
        cat_ = std::move(*c);
    }
    [[nodiscard]] fs::path fw_dir() const { return dir_.path() / "firmware"; }

    TempDir dir_;
    std::unique_ptr<store::SqliteStore> store_;
    std::unique_ptr<FileCatalogue> cat_;
};

TEST_F(CatalogueTest, PutFindListNewestAndImage) {
    const auto a = image("1.0.9");
    const auto b = image("1.0.10", 80 * kib, 2);
    auto r = cat_->put(req("1.0.9"), a);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->version, "1.0.9");
    EXPECT_EQ(r->project_name, "ptalk");
    EXPECT_EQ(r->idf_version, "v4.4.6");
    EXPECT_EQ(r->size, a.size());
    EXPECT_EQ(r->sha256, protocol::sha256_hex(a));
    EXPECT_EQ(r->uploaded_by, "test");
    UploadRequest with_notes = req();
    with_notes.notes = "fixes the mic";
    with_notes.min_battery_percent = 40;
    ASSERT_TRUE(cat_->put(with_notes, b));

    ASSERT_TRUE(cat_->find("1.0.10"));
    EXPECT_EQ(cat_->find("1.0.10")->notes, "fixes the mic");
    EXPECT_EQ(cat_->find("1.0.10")->min_battery_percent, 40);
    EXPECT_FALSE(cat_->find("1.0.11"));
    ASSERT_TRUE(cat_->newest());
    EXPECT_EQ(cat_->newest()->version, "1.0.10");
    const auto all = cat_->list();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].version, "1.0.10");  // newest first, numerically
    EXPECT_EQ(all[1].version, "1.0.9");
    EXPECT_TRUE(fs::exists(cat_->file_of(r->sha256)));

    auto img = cat_->image("1.0.9");
    ASSERT_TRUE(img) << img.error().message;
    EXPECT_EQ((*img)->bytes, a);
    EXPECT_EQ((*img)->meta, *cat_->find("1.0.9"));
    // Cached while in use: the same bytes, not a second copy.
    auto again = cat_->image("1.0.9");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->get(), img->get());
    EXPECT_EQ(cat_->cached_images(), 1u);
    img = store::Status{};
    again = store::Status{};
    EXPECT_EQ(cat_->cached_images(), 0u);
    EXPECT_FALSE(cat_->image("9.9.9"));
}

TEST_F(CatalogueTest, SurvivesAReopen) {
    ASSERT_TRUE(cat_->put(req(), image("1.0.6")));
    const auto before = cat_->find("1.0.6");
    reopen();
    ASSERT_TRUE(cat_->find("1.0.6"));
    EXPECT_EQ(*cat_->find("1.0.6"), *before);
    EXPECT_TRUE(cat_->image("1.0.6"));
}

TEST_F(CatalogueTest, TheSameVersionTwiceIsRefused) {
    ASSERT_TRUE(cat_->put(req("1.0.6"), image("1.0.6")));
    // Known before the body: the declared version.
    auto early = cat_->begin_upload(req("1.0.6"));
    ASSERT_FALSE(early);
    EXPECT_EQ(early.error().code, Refusal::exists);
    // Known from the descriptor: no declared version, other bytes.
    auto late = cat_->put(req(), image("1.0.6", 64 * kib, 7));
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, Refusal::exists);
    EXPECT_EQ(files_in(fw_dir()).size(), 1u);
}

TEST_F(CatalogueTest, SameBytesUnderTwoVersionsShareOneFile) {
    const auto bytes = image("1.0.6");
    ASSERT_TRUE(cat_->put(req("1.0.6"), bytes));
    auto alias = cat_->put(req("1.0.6-hotfix", true), bytes);  // forced under another name
    ASSERT_TRUE(alias) << alias.error().message;
    EXPECT_EQ(alias->version, "1.0.6-hotfix");
    EXPECT_EQ(alias->descriptor_version, "1.0.6");
    EXPECT_EQ(files_in(fw_dir()).size(), 1u);
    reopen();
    EXPECT_EQ(cat_->find("1.0.6-hotfix")->descriptor_version, "1.0.6");
    EXPECT_EQ(cat_->find("1.0.6")->descriptor_version, "1.0.6");
    ASSERT_FALSE(cat_->remove("1.0.6"));
    EXPECT_TRUE(fs::exists(cat_->file_of(alias->sha256)));  // still named by the alias
    auto img = cat_->image("1.0.6-hotfix");
    ASSERT_TRUE(img) << img.error().message;
    EXPECT_EQ((*img)->bytes, bytes);
    ASSERT_FALSE(cat_->remove("1.0.6-hotfix"));
    EXPECT_FALSE(fs::exists(cat_->file_of(alias->sha256)));
    EXPECT_TRUE(files_in(fw_dir()).empty());
}

TEST_F(CatalogueTest, DeleteRemovesRowAndFileAndAsksTheInUseCheck) {
    const auto bytes = image("1.0.6");
    ASSERT_TRUE(cat_->put(req(), bytes));
    std::string asked;
    bool busy = true;
    cat_->set_in_use_check([&](std::string_view v) {
        asked = std::string(v);
        return busy;
    });
    auto e = cat_->remove("1.0.6");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, Refusal::in_use);
    EXPECT_EQ(asked, "1.0.6");
    EXPECT_TRUE(cat_->find("1.0.6"));
    busy = false;
    EXPECT_FALSE(cat_->remove("1.0.6"));
    EXPECT_FALSE(cat_->find("1.0.6"));
    EXPECT_TRUE(files_in(fw_dir()).empty());
    auto again = cat_->remove("1.0.6");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->code, Refusal::not_found);
    reopen();
    EXPECT_FALSE(cat_->find("1.0.6"));
    // Deleted, it can be uploaded again.
    EXPECT_TRUE(cat_->put(req(), bytes));
}

TEST_F(CatalogueTest, NotAnEsp32ImageIsRefusedWithTheReason) {
    std::vector<std::uint8_t> junk(4096, 0x42);
    auto r = cat_->put(req(), junk);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Refusal::invalid_image);
    EXPECT_NE(r.error().message.find("0xE9"), std::string::npos) << r.error().message;
    auto no_desc = image("1.0.6");
    no_desc[protocol::esp_app_desc_offset] = 0;  // breaks the descriptor magic
    r = cat_->put(req(), no_desc);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Refusal::invalid_image);
    EXPECT_NE(r.error().message.find("descriptor"), std::string::npos) << r.error().message;
    const auto whole = image("1.0.6");
    r = cat_->put(req(), std::span(whole).first(100));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Refusal::invalid_image);
    EXPECT_TRUE(files_in(fw_dir()).empty());
    EXPECT_TRUE(cat_->list().empty());
}

TEST_F(CatalogueTest, AVersionThatDisagreesNeedsForce) {
    const auto bytes = image("1.0.6");
    auto r = cat_->put(req("1.0.7"), bytes);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Refusal::version_mismatch);
    EXPECT_NE(r.error().message.find("1.0.6"), std::string::npos);
    EXPECT_TRUE(files_in(fw_dir()).empty());
    r = cat_->put(req("1.0.7", true), bytes);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->version, "1.0.7");
    EXPECT_EQ(r->descriptor_version, "1.0.6");  // what the device will report
    // Its own version is still free, and shares the file.
    EXPECT_TRUE(cat_->put(req(), bytes));
    EXPECT_EQ(files_in(fw_dir()).size(), 1u);
}

TEST_F(CatalogueTest, OverTheCapIsRefusedEarlyOrWhileStreaming) {
    reopen(128 * kib);
    auto announced = req();
    announced.size = 129 * kib;
    auto early = cat_->begin_upload(announced);
    ASSERT_FALSE(early);
    EXPECT_EQ(early.error().code, Refusal::too_large);
    // Not announced (chunked): refused once the bytes pass the cap.
    auto up = cat_->begin_upload(req());
    ASSERT_TRUE(up);
    const auto big = image("1.0.6", 200 * kib);
    std::optional<Error> e;
    for (std::size_t off = 0; off < big.size() && !e; off += 16 * kib)
        e = (*up)->write(std::span(big).subspan(off, std::min(16 * kib, big.size() - off)));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, Refusal::too_large);
    EXPECT_FALSE((*up)->finish());
    EXPECT_TRUE(files_in(fw_dir()).empty());
    EXPECT_TRUE(cat_->put(req(), image("1.0.6", 128 * kib)));
}

TEST_F(CatalogueTest, ACutOffUploadLeavesNothing) {
    const auto bytes = image("1.0.6", 256 * kib);
    {
        auto up = cat_->begin_upload(req("1.0.6"));
        ASSERT_TRUE(up);
        ASSERT_FALSE((*up)->write(std::span(bytes).first(100 * kib)));
        EXPECT_EQ(files_in(fw_dir()).size(), 1u);  // the temp file
        EXPECT_EQ((*up)->received(), 100 * kib);
    }  // the connection dropped: the upload is destroyed unfinished
    EXPECT_TRUE(files_in(fw_dir()).empty());
    EXPECT_FALSE(cat_->find("1.0.6"));
    reopen();
    EXPECT_TRUE(cat_->list().empty());
}

TEST_F(CatalogueTest, PiecesOfAnySizeGiveTheSameImage) {
    const auto bytes = image("1.0.6", 100 * kib + 17);
    auto up = cat_->begin_upload(req());
    ASSERT_TRUE(up);
    // Pieces that split the header and the descriptor.
    std::size_t off = 0;
    for (std::size_t n : {1u, 7u, 100u, 300u, 4096u}) {
        ASSERT_FALSE((*up)->write(std::span(bytes).subspan(off, n)));
        off += n;
    }
    ASSERT_FALSE((*up)->write(std::span(bytes).subspan(off)));
    auto m = (*up)->finish();
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ(m->sha256, protocol::sha256_hex(bytes));
    EXPECT_EQ((*cat_->image("1.0.6"))->bytes, bytes);
}

TEST_F(CatalogueTest, StaleTempFilesAndUnnamedImagesAreRemovedAtOpen) {
    ASSERT_TRUE(cat_->put(req(), image("1.0.6")));
    const auto kept = files_in(fw_dir());
    std::ofstream(fw_dir() / ".upload-abc123") << "half an image";
    std::ofstream(fw_dir() / (std::string(64, 'a') + ".bin")) << "renamed, never recorded";
    std::ofstream(fw_dir() / "README") << "not ours";
    reopen();
    auto want = kept;
    want.insert("README");
    EXPECT_EQ(files_in(fw_dir()), want);
    EXPECT_TRUE(cat_->image("1.0.6"));
}

TEST_F(CatalogueTest, ACorruptFileIsDetectedWhenLoaded) {
    const auto m = cat_->put(req(), image("1.0.6"));
    ASSERT_TRUE(m);
    {
        std::fstream f(cat_->file_of(m->sha256), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(5000);
        f.put('\x00');
        f.put('\xFF');
    }
    auto img = cat_->image("1.0.6");
    ASSERT_FALSE(img);
    EXPECT_EQ(img.error().code, store::StatusCode::corrupt);
    EXPECT_NE(img.error().message.find("sha256"), std::string::npos);
    fs::remove(cat_->file_of(m->sha256));
    img = cat_->image("1.0.6");
    ASSERT_FALSE(img);
    EXPECT_EQ(img.error().code, store::StatusCode::io_error);
}

TEST_F(CatalogueTest, UploadsAndDeletesAreEvents) {
    ASSERT_TRUE(cat_->put(req(), image("1.0.6")));
    ASSERT_FALSE(cat_->remove("1.0.6"));
    ASSERT_TRUE(store_->flush().ok());
    auto events = store_->list_events(0, 100);
    ASSERT_TRUE(events);
    std::vector<std::string> types;
    for (const auto& e : *events)
        types.push_back(e.type);
    EXPECT_EQ(types, (std::vector<std::string>{"firmware.uploaded", "firmware.deleted"}));
    EXPECT_NE(events->front().data.find("\"version\":\"1.0.6\""), std::string::npos);
}

}  // namespace
}  // namespace ptalk::firmware
