// Firmware subcommands: firmware upload|list and ota. They speak the endpoints
// of the firmware-update work (docs/CLI.md); a server without them gets a
// clear "not offered yet" and nothing is sent.
#include <unistd.h>
#include <fstream>
#include <iterator>
#include <memory>
#include <thread>

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
    bool force = false;
};

std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CliError(ExitCode::usage, "cannot read " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void run_upload(Context& ctx, const UploadArgs& a) {
    const auto image = read_file(a.file);
    // The server checks too; checking here saves uploading a file it would refuse.
    auto info = protocol::inspect_firmware_image(image, image.size());
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
    if (a.force) path += "&force=true";
    const std::string body(image.begin(), image.end());
    auto r = ctx.api().http().request(http::verb::post, path, body, "application/octet-stream",
                                      progress);
    if (bar) ctx.err << "\n";
    if (r.status / 100 != 2) throw describe_failure(r.status, r.json, {"", "firmware uploads"});
    if (ctx.json()) return ctx.print_json(r.json);
    ctx.out << "uploaded " << info->project_name << " " << version << " ("
            << format_bytes(image.size()) << ", sha256 " << protocol::sha256_hex(image) << ")\n";
}

void run_list(Context& ctx) {
    const auto r = ctx.api().get(catalogue, {"", "the firmware catalogue"});
    if (ctx.json()) return ctx.print_json(r);
    const auto* items = r.is_object() ? r.get_object().if_contains("firmware") : nullptr;
    if (items == nullptr || !items->is_array() || items->get_array().empty()) {
        ctx.out << "no firmware uploaded yet\n";
        return;
    }
    Table t({"VERSION", "PROJECT", "SIZE", "SHA256", "UPLOADED"});
    for (const auto& f : items->get_array()) {
        const auto size = field_int(f, "size", -1);
        t.add({field_text(f, "version"), field_text(f, "project_name"),
               size < 0 ? "-" : format_bytes(static_cast<std::uint64_t>(size)),
               field_text(f, "sha256").substr(0, 16),
               format_age(ctx.now_ms(), field_int(f, "uploaded_at_ms"))});
    }
    ctx.out << t.render();
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
            const auto done = field_int(s, "bytes_acked"), total = field_int(s, "size");
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
    upload->add_flag("--force", ua->force, "Upload even when --version disagrees with the image");
    upload->callback([&sel, ua] { sel.action = [ua](Context& c) { run_upload(c, *ua); }; });
    auto* list = fw->add_subcommand("list", "Firmware versions on the server");
    list->callback([&sel] { sel.action = [](Context& c) { run_list(c); }; });

    auto oa = std::make_shared<OtaArgs>();
    auto* ota = app.add_subcommand("ota", "Update one device's firmware");
    ota->add_option("device", oa->device, "Device id or name")->required();
    ota->add_option("--version", oa->version, "A version from `ptalk firmware list`")->required();
    ota->add_flag("--watch", oa->watch, "Follow the transfer until it ends");
    ota->callback([&sel, oa] { sel.action = [oa](Context& c) { run_ota(c, *oa); }; });
}

}  // namespace ptalk::cli
