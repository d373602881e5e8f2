// Firmware subcommands: firmware upload|list|show|delete and ota (docs/CLI.md).
// A server without these endpoints gets a clear "not offered yet" and nothing is sent.
#include <unistd.h>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "cli/commands/context.hpp"
#include "cli/exit_code.hpp"
#include "cli/progress.hpp"
#include "cli/views.hpp"
#include "protocol/firmware_image.hpp"

namespace ptalk::cli {

namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

const std::string catalogue = "/api/v1/firmware";

struct UploadArgs {
    std::string file;
    std::string version;
    std::string notes;
    std::optional<int> min_battery;
    bool force = false;
};

// The first bytes of a file (enough for the image descriptor) and its size.
std::pair<std::vector<std::uint8_t>, std::uint64_t> read_head(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    std::ifstream in(path, std::ios::binary);
    if (ec || !in) throw CliError(ExitCode::usage, "cannot read " + path);
    std::vector<std::uint8_t> head(protocol::esp_image_prefix_bytes);
    in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    return {std::move(head), size};
}

void print_firmware(Context& ctx, const json::value& f) {
    const auto size = field_int(f, "size", -1);
    ctx.out << "version:      " << field_text(f, "version") << "\n";
    if (field_text(f, "descriptor_version") != field_text(f, "version"))
        ctx.out << "image says:   " << field_text(f, "descriptor_version") << "\n";
    ctx.out << "project:      " << field_text(f, "project_name") << "\n"
            << "size:         " << (size < 0 ? "-" : format_bytes(static_cast<std::uint64_t>(size)))
            << "\n"
            << "sha256:       " << field_text(f, "sha256") << "\n"
            << "built:        " << field_text(f, "build_date") << " (ESP-IDF "
            << field_text(f, "idf_version") << ")\n"
            << "min battery:  " << field_text(f, "min_battery_percent") << "\n"
            << "notes:        " << field_text(f, "notes") << "\n"
            << "uploaded:     " << format_age(ctx.now_ms(), field_int(f, "uploaded_at_ms"))
            << " by " << field_text(f, "uploaded_by") << "\n";
}

void run_upload(Context& ctx, const UploadArgs& a) {
    const auto [head, size] = read_head(a.file);
    // The server checks too; checking here saves uploading a file it would refuse.
    auto info = protocol::inspect_firmware_image(head, static_cast<std::size_t>(size), SIZE_MAX);
    if (!info) {
        throw CliError(ExitCode::usage,
                       a.file + " is not an ESP32 application image: " + info.error().message());
    }
    if (!a.version.empty() && a.version != info->version && !a.force) {
        throw CliError(ExitCode::usage, a.file + " says it is version " + info->version + ", not " +
                                            a.version + " (--force to upload anyway)");
    }
    const auto version = a.version.empty() ? info->version : a.version;
    ctx.api().require_endpoint(catalogue, "firmware uploads");
    const bool bar = !ctx.json() && isatty(STDERR_FILENO) != 0;
    const ProgressFn progress = [&](std::uint64_t sent, std::uint64_t total) {
        if (bar)
            ctx.err << "\r" << progress_bar(sent, total) << " " << format_bytes(sent) << std::flush;
    };
    std::string path = catalogue + "?version=" + percent_encode(version);
    if (!a.notes.empty()) path += "&notes=" + percent_encode(a.notes);
    if (a.min_battery) path += "&min_battery=" + std::to_string(*a.min_battery);
    if (a.force) path += "&force=true";
    auto r = ctx.api().http().send_file(http::verb::post, path, a.file, "application/octet-stream",
                                        progress);
    if (bar) ctx.err << "\n";
    if (r.status / 100 != 2) throw describe_failure(r.status, r.json, {"", "firmware uploads"});
    if (ctx.json()) return ctx.print_json(r.json);
    ctx.out << "uploaded " << field_text(r.json, "project_name") << " "
            << field_text(r.json, "version") << " (" << format_bytes(size) << ", sha256 "
            << field_text(r.json, "sha256") << ")\n";
}

void run_list(Context& ctx) {
    const auto r = ctx.api().get(catalogue, {"", "the firmware catalogue"});
    if (ctx.json()) return ctx.print_json(r);
    const auto* items = r.is_object() ? r.get_object().if_contains("firmware") : nullptr;
    if (items == nullptr || !items->is_array() || items->get_array().empty()) {
        ctx.out << "no firmware uploaded yet\n";
        return;
    }
    Table t({"VERSION", "PROJECT", "SIZE", "SHA256", "UPLOADED", "NOTES"});
    for (const auto& f : items->get_array()) {
        const auto size = field_int(f, "size", -1);
        t.add({field_text(f, "version"), field_text(f, "project_name"),
               size < 0 ? "-" : format_bytes(static_cast<std::uint64_t>(size)),
               field_text(f, "sha256").substr(0, 16),
               format_age(ctx.now_ms(), field_int(f, "uploaded_at_ms")), field_text(f, "notes")});
    }
    ctx.out << t.render();
}

std::string version_path(const std::string& version) {
    return catalogue + "/" + percent_encode(version);
}

void run_show(Context& ctx, const std::string& version) {
    const auto r = ctx.api().get(version_path(version), {"", "the firmware catalogue"});
    if (ctx.json()) return ctx.print_json(r);
    print_firmware(ctx, r);
}

void run_delete(Context& ctx, const std::string& version) {
    const auto r = ctx.api().call(http::verb::delete_, version_path(version), {},
                                  {"", "the firmware catalogue"});
    if (ctx.json()) return ctx.print_json(r);
    ctx.out << "deleted firmware " << version << "\n";
}

struct OtaArgs {
    std::string device;
    std::string version;
    bool watch = false;
};

[[nodiscard]] bool finished(const std::string& state) {
    return state == "succeeded" || state == "failed" || state == "cancelled" || state == "idle";
}

void run_ota(Context& ctx, const OtaArgs& a) {
    const auto d = ctx.api().resolve(a.device);
    const FailureContext fc{label(d.info), "firmware updates"};
    const auto path = device_path(d.info.id) + "/ota";
    const auto r = ctx.api().post(path, json::serialize(json::object{{"version", a.version}}), fc);
    if (!a.watch) {
        if (ctx.json()) return ctx.print_json(r);
        ctx.out << label(d.info) << ": update to " << a.version << " " << field_text(r, "state")
                << "\n";
        return;
    }
    for (;;) {
        const auto s = ctx.api().get(path, fc);
        const auto state = field_text(s, "state");
        if (!ctx.json()) {
            const auto done = field_int(s, "bytes_acked"), total = field_int(s, "bytes_total");
            ctx.out << "\r" << label(d.info) << " " << state << " "
                    << progress_bar(static_cast<std::uint64_t>(done),
                                    static_cast<std::uint64_t>(total))
                    << std::flush;
        }
        if (finished(state)) {
            if (ctx.json())
                ctx.print_json(s);
            else
                ctx.out << "\n";
            if (state != "succeeded") {
                throw CliError(
                    ExitCode::refused,
                    "the update of " + label(d.info) + " " + state +
                        (field_text(s, "error") == "-" ? "" : ": " + field_text(s, "error")));
            }
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

}  // namespace

void add_firmware_commands(CLI::App& app, Selected& sel) {
    auto* fw = app.add_subcommand("firmware", "The server's firmware catalogue");
    fw->require_subcommand(1);
    auto ua = std::make_shared<UploadArgs>();
    auto* upload = fw->add_subcommand("upload", "Upload an ESP32 application image");
    upload->add_option("file", ua->file, "The image (.bin)")->required();
    upload->add_option("--version", ua->version, "Its version (default: read from the image)");
    upload->add_option("--notes", ua->notes, "What changed, shown in listings");
    upload
        ->add_option("--min-battery", ua->min_battery,
                     "Refuse to update devices below this battery percentage")
        ->check(CLI::Range(0, 100));
    upload->add_flag("--force", ua->force,
                     "Store it under --version even when the image says otherwise");
    upload->callback([&sel, ua] { sel.action = [ua](Context& c) { run_upload(c, *ua); }; });
    auto* list = fw->add_subcommand("list", "Firmware versions on the server, newest first");
    list->callback([&sel] { sel.action = [](Context& c) { run_list(c); }; });
    auto version = std::make_shared<std::string>();
    auto* show = fw->add_subcommand("show", "One firmware version in detail");
    show->add_option("version", *version, "A version from `ptalk firmware list`")->required();
    show->callback(
        [&sel, version] { sel.action = [version](Context& c) { run_show(c, *version); }; });
    auto* del = fw->add_subcommand("delete", "Remove a version (refused while an update uses it)");
    del->add_option("version", *version, "A version from `ptalk firmware list`")->required();
    del->callback(
        [&sel, version] { sel.action = [version](Context& c) { run_delete(c, *version); }; });

    auto oa = std::make_shared<OtaArgs>();
    auto* ota = app.add_subcommand("ota", "Update one device's firmware");
    ota->add_option("device", oa->device, "Device id or name")->required();
    ota->add_option("--version", oa->version, "A version from `ptalk firmware list`")->required();
    ota->add_flag("--watch", oa->watch, "Follow the transfer until it ends");
    ota->callback([&sel, oa] { sel.action = [oa](Context& c) { run_ota(c, *oa); }; });
}

}  // namespace ptalk::cli
