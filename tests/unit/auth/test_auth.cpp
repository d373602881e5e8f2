// Tokens and scopes, the scope rule, the token registry and admission over a
// real store in a temporary directory, and the API front's JSON depth scan.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "api/secure_api.hpp"
#include "auth/admission.hpp"
#include "auth/scope_rule.hpp"
#include "auth/token.hpp"
#include "auth/token_registry.hpp"
#include "store/sqlite_store.hpp"

namespace ptalk::auth {
namespace {

TEST(Token, IsRandomHexWithAPrefixAndOnlyItsHashIsCompared) {
    const auto a = generate_token();
    const auto b = generate_token();
    EXPECT_NE(a, b);
    EXPECT_EQ(a.size(), 4u + 64u);
    EXPECT_TRUE(a.starts_with("ptk_"));
    EXPECT_EQ(hash_token("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(token_prefix(a), a.substr(0, 12));
    EXPECT_TRUE(secure_equal("same", "same"));
    EXPECT_FALSE(secure_equal("same", "sane"));
    EXPECT_FALSE(secure_equal("same", "same+"));
    EXPECT_TRUE(plausible_token(a));
    EXPECT_FALSE(plausible_token("short"));
    EXPECT_FALSE(plausible_token("has a space in the middle"));
}

TEST(Scope, EachIncludesTheOnesBelow) {
    EXPECT_TRUE(allows(Scope::admin, Scope::operate));
    EXPECT_TRUE(allows(Scope::operate, Scope::read));
    EXPECT_FALSE(allows(Scope::read, Scope::operate));
    EXPECT_FALSE(allows(Scope::device, Scope::read));
    for (auto s : {Scope::device, Scope::read, Scope::operate, Scope::admin})
        EXPECT_EQ(parse_scope(to_string(s)), s);
    EXPECT_FALSE(parse_scope("root"));
}

std::vector<std::string> split(std::string_view path) {
    std::vector<std::string> out;
    while (!path.empty()) {
        path.remove_prefix(1);
        const auto slash = path.find('/');
        out.emplace_back(path.substr(0, slash));
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
    }
    return out;
}

std::optional<Scope> need(std::string_view method, std::string_view path,
                          bool metrics_open = true) {
    return required_scope(method, split(path), {metrics_open});
}

TEST(ScopeRule, FromMethodAndPathAlone) {
    EXPECT_EQ(need("GET", "/healthz"), std::nullopt);
    EXPECT_EQ(need("GET", "/metrics"), std::nullopt);
    EXPECT_EQ(need("GET", "/metrics", false), Scope::read);
    EXPECT_EQ(need("GET", "/api/v1/openapi.json"), std::nullopt);
    EXPECT_EQ(need("POST", "/api/v1/openapi.json"), Scope::operate);
    EXPECT_EQ(need("GET", "/api/v1/devices"), Scope::read);
    EXPECT_EQ(need("POST", "/api/v1/devices"), Scope::admin);
    EXPECT_EQ(need("POST", "/api/v1/devices/aabbccddeeff/reboot"), Scope::operate);
    EXPECT_EQ(need("PATCH", "/api/v1/devices/aabbccddeeff/config"), Scope::operate);
    EXPECT_EQ(need("POST", "/api/v1/devices/aabbccddeeff/token"), Scope::admin);
    EXPECT_EQ(need("GET", "/api/v1/tokens"), Scope::admin);
    EXPECT_EQ(need("DELETE", "/api/v1/tokens/3"), Scope::admin);
    EXPECT_EQ(need("POST", "/api/device/aabbccddeeff/config"), Scope::operate);
    // Routes other branches add are covered without being named.
    EXPECT_EQ(need("GET", "/api/v1/firmware"), Scope::read);
    EXPECT_EQ(need("POST", "/api/v1/firmware"), Scope::admin);
    EXPECT_EQ(need("DELETE", "/api/v1/firmware/1.2.3"), Scope::admin);
    EXPECT_EQ(need("POST", "/api/v1/rollouts/4/pause"), Scope::admin);
    EXPECT_EQ(need("GET", "/api/v1/rollouts/4"), Scope::read);
    EXPECT_EQ(need("POST", "/api/v1/jobs"), Scope::operate);
    EXPECT_EQ(need("GET", "/api/v1/events"), Scope::read);
    EXPECT_EQ(need("PUT", "/api/v1/devices/aabbccddeeff/desired"), Scope::operate);
    EXPECT_EQ(need("GET", "/nowhere"), Scope::read);
}

TEST(JsonDepth, CountsNestingOutsideStrings) {
    EXPECT_EQ(api::json_depth("{}"), 1u);
    EXPECT_EQ(api::json_depth(R"({"a":[{"b":[1]}]})"), 4u);
    EXPECT_EQ(api::json_depth(R"({"a":"[[[[{{{{"})"), 1u);
    EXPECT_EQ(api::json_depth(R"({"a":"\"[[["})"), 1u);
    EXPECT_EQ(api::json_depth("]]]]"), 0u);
    EXPECT_EQ(api::json_depth(std::string(1000, '[')), 1000u);
}

class WithStore : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ptalk-auth-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
        ASSERT_TRUE(store_.open(dir_).ok());
    }
    void TearDown() override {
        (void)store_.close();
        std::filesystem::remove_all(dir_);
    }
    std::filesystem::path dir_;
    store::SqliteStore store_;
    core::Metrics metrics_;
};

TEST_F(WithStore, RegistryCreatesAuthenticatesRevokesAndReloads) {
    TokenRegistry reg(store_);
    ASSERT_TRUE(reg.load().ok());
    auto t = reg.create("ci", Scope::operate);
    ASSERT_TRUE(t);
    EXPECT_EQ(reg.authenticate(t->token)->scope, Scope::operate);
    EXPECT_FALSE(reg.authenticate(t->token + "x"));
    EXPECT_FALSE(reg.authenticate(""));
    // Only the hash is stored.
    auto rows = store_.load_tokens();
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].hash, hash_token(t->token));
    EXPECT_EQ((*rows)[0].prefix, token_prefix(t->token));
    EXPECT_EQ(*reg.revoke(t->info.id), true);
    EXPECT_EQ(*reg.revoke(t->info.id), false);
    EXPECT_FALSE(reg.authenticate(t->token));
    TokenRegistry again(store_);
    ASSERT_TRUE(again.load().ok());
    EXPECT_FALSE(again.authenticate(t->token));
    ASSERT_EQ(again.list().size(), 1u);
    EXPECT_TRUE(again.list()[0].revoked_at);
}

TEST_F(WithStore, BootstrapWritesAnOwnerOnlyFileOnceAndImportsAChosenToken) {
    TokenRegistry reg(store_);
    ASSERT_TRUE(reg.load().ok());
    const auto file = dir_ / "admin.token";
    EXPECT_EQ(*reg.bootstrap_admin(file), Bootstrap::created);
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::string token;
    std::ifstream(file) >> token;
    EXPECT_EQ(reg.authenticate(token)->scope, Scope::admin);
    EXPECT_EQ(*reg.bootstrap_admin(file), Bootstrap::existing);
    // A file with a token chosen by the operator: imported once.
    const auto chosen = dir_ / "chosen.token";
    std::ofstream(chosen) << "  my-own-admin-token-0123456789\n";
    EXPECT_EQ(*reg.bootstrap_admin(chosen), Bootstrap::imported);
    EXPECT_EQ(reg.authenticate("my-own-admin-token-0123456789")->scope, Scope::admin);
    EXPECT_EQ(*reg.bootstrap_admin(chosen), Bootstrap::existing);
    // Revoked, it stays revoked across restarts.
    const auto id = reg.authenticate("my-own-admin-token-0123456789")->id;
    ASSERT_TRUE(*reg.revoke(id));
    TokenRegistry again(store_);
    ASSERT_TRUE(again.load().ok());
    EXPECT_EQ(*again.bootstrap_admin(chosen), Bootstrap::existing);
    EXPECT_FALSE(again.authenticate("my-own-admin-token-0123456789"));
}

TEST_F(WithStore, AdmissionModes) {
    TokenRegistry reg(store_);
    ASSERT_TRUE(reg.load().ok());
    const auto dev = reg.create("dev", Scope::device, std::string("aabbccddeeff"));
    const auto api = reg.create("api", Scope::admin);
    Admission open(store_, reg, metrics_, {AdmissionMode::open, ""});
    EXPECT_TRUE(open.admit("aabbccddeeff", "", "r"));

    Admission list(store_, reg, metrics_, {AdmissionMode::allowlist, ""});
    ASSERT_TRUE(list.load().ok());
    EXPECT_FALSE(list.admit("aabbccddeeff", dev->token, "r"));
    ASSERT_TRUE(list.allow("aabbccddeeff", "Hall").ok());
    EXPECT_TRUE(list.admit("aabbccddeeff", "", "r"));
    Admission reloaded(store_, reg, metrics_, {AdmissionMode::allowlist, ""});
    ASSERT_TRUE(reloaded.load().ok());
    ASSERT_EQ(reloaded.allowlist().size(), 1u);
    EXPECT_EQ(reloaded.allowlist()[0].name, "Hall");
    EXPECT_TRUE(*reloaded.disallow("aabbccddeeff"));
    EXPECT_FALSE(reloaded.admit("aabbccddeeff", "", "r"));

    Admission tok(store_, reg, metrics_, {AdmissionMode::token, "fleet-token-0123456789"});
    EXPECT_TRUE(tok.admit("aabbccddeeff", dev->token, "r"));
    EXPECT_FALSE(tok.admit("112233445566", dev->token, "r"));  // bound to another id
    EXPECT_TRUE(tok.admit("112233445566", "fleet-token-0123456789", "r"));
    EXPECT_FALSE(tok.admit("aabbccddeeff", "", "r"));
    EXPECT_FALSE(tok.admit("aabbccddeeff", api->token, "r"));  // an API token is not a device's
    EXPECT_FALSE(tok.admit("aabbccddeeff", "fleet-token-012345678", "r"));
    using core::Refusal;
    EXPECT_EQ(metrics_.security.refusals.get(static_cast<std::size_t>(Refusal::wrong_device)), 1u);
    EXPECT_EQ(metrics_.security.refusals.get(static_cast<std::size_t>(Refusal::missing_token)), 1u);
    EXPECT_EQ(metrics_.security.refusals.get(static_cast<std::size_t>(Refusal::bad_token)), 2u);
    EXPECT_EQ(metrics_.security.refusals.get(static_cast<std::size_t>(Refusal::not_allowlisted)),
              2u);
}

}  // namespace
}  // namespace ptalk::auth
