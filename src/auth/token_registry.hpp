#pragma once
// Every API and device token the server knows, in memory (loaded from the store
// at start, written through on every change), so a request never waits on the
// database to be authenticated. Thread-safe.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/token.hpp"
#include "store/store.hpp"

namespace ptalk::auth {

struct TokenInfo {
    std::uint64_t id = 0;
    std::string name;
    Scope scope = Scope::read;
    std::optional<std::string> device_id;  // set for Scope::device
    std::string prefix;
    store::UnixMillis created_at = 0;
    std::optional<store::UnixMillis> revoked_at;
};

struct CreatedToken {
    TokenInfo info;
    std::string token;  // the secret: shown once, never stored
};

// What bootstrap_admin() did.
enum class Bootstrap {
    existing,  // an admin token was there already; the file was left alone
    imported,  // the file held a token the server did not know: it is now an admin token
    created,   // a new admin token was written to the file
};

class TokenRegistry {
  public:
    explicit TokenRegistry(store::Store& store) : store_(store) {}

    [[nodiscard]] store::Status load();

    // At start: (1) if `file` holds a token whose hash the store has never seen,
    // it becomes an admin token (an operator or a test chose it); (2) if then no
    // unrevoked admin token exists, a new one is created and written to `file`
    // (mode 0600). A revoked token's hash stays known, so revoking the file's
    // token is never undone by a restart.
    [[nodiscard]] store::Result<Bootstrap> bootstrap_admin(const std::filesystem::path& file);

    [[nodiscard]] store::Result<CreatedToken> create(std::string name, Scope scope,
                                                     std::optional<std::string> device_id = {});
    // False when no unrevoked token has this id.
    [[nodiscard]] store::Result<bool> revoke(std::uint64_t id);
    // Unrevoked first-to-last, then revoked ones.
    [[nodiscard]] std::vector<TokenInfo> list() const;
    [[nodiscard]] std::optional<TokenInfo> find(std::uint64_t id) const;

    // The unrevoked token `token` is, if any.
    [[nodiscard]] std::optional<TokenInfo> authenticate(std::string_view token) const;

  private:
    struct Entry {
        TokenInfo info;
        std::string hash;
    };
    store::Result<CreatedToken> insert(std::string name, Scope scope,
                                       std::optional<std::string> device_id, std::string token);

    store::Store& store_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, Entry> by_hash_;  // every token, revoked ones too
};

// Writes `content` to `file` readable by its owner only (0600, created or replaced).
[[nodiscard]] store::Status write_private_file(const std::filesystem::path& file,
                                               std::string_view content);

}  // namespace ptalk::auth
