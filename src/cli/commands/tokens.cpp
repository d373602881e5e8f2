// API tokens and device admission (docs/SECURITY.md):
//   token create --scope S --name N | token list | token revoke ID
//   device token ID | device allow ID [--name N] | device disallow ID | device allowlist
#include <memory>

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "cli/commands/context.hpp"
#include "cli/table.hpp"
#include "protocol/device_id.hpp"

namespace ptalk::cli {

namespace json = boost::json;
using http_verb = boost::beast::http::verb;

namespace {

std::string text(const json::value& v, std::string_view key) {
    if (!v.is_object()) return {};
    const auto* m = v.get_object().if_contains(key);
    if (m == nullptr || m->is_null()) return {};
    if (m->is_string()) return std::string(m->get_string());
    return json::serialize(*m);
}

struct TokenArgs {
    std::string scope;
    std::string name;
    std::string id;
    std::string device;
};

void print_created(Context& ctx, const json::value& v) {
    if (ctx.json()) {
        ctx.print_json(v);
        return;
    }
    ctx.out << text(v, "token") << "\n";
    ctx.err << "token " << text(v, "id") << " (" << text(v, "scope")
            << (text(v, "device_id").empty() ? "" : " for " + text(v, "device_id"))
            << "): shown once, only its hash is kept\n";
}

void run_create(Context& ctx, const TokenArgs& a) {
    const auto body = json::serialize(json::object{{"scope", a.scope}, {"name", a.name}});
    print_created(ctx, ctx.api().post("/api/v1/tokens", body));
}

void run_list(Context& ctx) {
    const auto v = ctx.api().get("/api/v1/tokens");
    if (ctx.json()) {
        ctx.print_json(v);
        return;
    }
    Table t({"ID", "NAME", "SCOPE", "DEVICE", "PREFIX", "STATE"});
    const auto* list = v.is_object() ? v.get_object().if_contains("tokens") : nullptr;
    if (list != nullptr && list->is_array()) {
        for (const auto& tok : list->get_array()) {
            t.add({text(tok, "id"), text(tok, "name"), text(tok, "scope"), text(tok, "device_id"),
                   text(tok, "prefix") + "…",
                   text(tok, "revoked_ms").empty() ? "active" : "revoked"});
        }
    }
    if (t.empty()) {
        ctx.out << "no tokens\n";
        return;
    }
    ctx.out << t.render();
}

void run_revoke(Context& ctx, const TokenArgs& a) {
    const auto v =
        ctx.api().call(http_verb::delete_, "/api/v1/tokens/" + percent_encode(a.id), {}, {});
    if (ctx.json()) {
        ctx.print_json(v);
        return;
    }
    ctx.out << "token " << a.id << " revoked\n";
}

void run_device_token(Context& ctx, const TokenArgs& a) {
    // A device that never connected (token admission keeps it out) is named by its MAC.
    const auto mac = protocol::normalize_device_id(a.device);
    const auto id = mac ? *mac : ctx.api().resolve(a.device).info.id;
    json::object body;
    if (!a.name.empty()) body["name"] = a.name;
    print_created(ctx, ctx.api().post("/api/v1/devices/" + id + "/token", json::serialize(body)));
}

void run_allow(Context& ctx, const TokenArgs& a) {
    json::object body{{"id", a.device}};
    if (!a.name.empty()) body["name"] = a.name;
    const auto v = ctx.api().post("/api/v1/devices", json::serialize(body));
    if (ctx.json()) {
        ctx.print_json(v);
        return;
    }
    ctx.out << "device " << text(v, "device_id") << " is on the allowlist\n";
}

void run_disallow(Context& ctx, const TokenArgs& a) {
    const auto v =
        ctx.api().call(http_verb::delete_, "/api/v1/allowlist/" + percent_encode(a.device), {}, {});
    if (ctx.json()) {
        ctx.print_json(v);
        return;
    }
    ctx.out << "device " << text(v, "device_id") << " removed from the allowlist\n";
}

void run_allowlist(Context& ctx) {
    const auto v = ctx.api().get("/api/v1/allowlist");
    if (ctx.json()) {
        ctx.print_json(v);
        return;
    }
    Table t({"DEVICE", "NAME"});
    const auto* list = v.is_object() ? v.get_object().if_contains("devices") : nullptr;
    if (list != nullptr && list->is_array()) {
        for (const auto& d : list->get_array())
            t.add({text(d, "device_id"), text(d, "name")});
    }
    ctx.out << "admission mode: " << text(v, "mode") << "\n";
    if (!t.empty()) ctx.out << t.render();
}

}  // namespace

void add_token_commands(CLI::App& app, Selected& sel) {
    auto a = std::make_shared<TokenArgs>();
    auto* token = app.add_subcommand("token", "API tokens: create, list, revoke (admin)");
    token->require_subcommand(1);
    auto* create = token->add_subcommand("create", "Create a token; prints it once");
    create->add_option("--scope", a->scope, "read, operate or admin")
        ->required()
        ->check(CLI::IsMember({"read", "operate", "admin"}));
    create->add_option("--name", a->name, "What it is for (1-100 characters)")->required();
    create->callback([&sel, a] { sel.action = [a](Context& c) { run_create(c, *a); }; });
    auto* list = token->add_subcommand("list", "Every token: id, name, scope, state");
    list->callback([&sel] { sel.action = [](Context& c) { run_list(c); }; });
    auto* revoke = token->add_subcommand("revoke", "Revoke a token by its id");
    revoke->add_option("ID", a->id, "The token's id (from token list)")->required();
    revoke->callback([&sel, a] { sel.action = [a](Context& c) { run_revoke(c, *a); }; });

    auto* device = app.add_subcommand("device", "Device admission: tokens and the allowlist");
    device->require_subcommand(1);
    auto* dtoken = device->add_subcommand(
        "token", "Issue a token bound to one device, for its ws URL (?token=...)");
    dtoken->add_option("ID", a->device, "The device (id or name)")->required();
    dtoken->add_option("--name", a->name, "What it is for");
    dtoken->callback([&sel, a] { sel.action = [a](Context& c) { run_device_token(c, *a); }; });
    auto* allow = device->add_subcommand("allow", "Put a device id on the allowlist");
    allow->add_option("ID", a->device, "The device's MAC address")->required();
    allow->add_option("--name", a->name, "Its name");
    allow->callback([&sel, a] { sel.action = [a](Context& c) { run_allow(c, *a); }; });
    auto* disallow = device->add_subcommand("disallow", "Take a device id off the allowlist");
    disallow->add_option("ID", a->device, "The device's MAC address")->required();
    disallow->callback([&sel, a] { sel.action = [a](Context& c) { run_disallow(c, *a); }; });
    auto* allowlist = device->add_subcommand("allowlist", "The admission mode and the allowlist");
    allowlist->callback([&sel] { sel.action = [](Context& c) { run_allowlist(c); }; });
}

}  // namespace ptalk::cli
