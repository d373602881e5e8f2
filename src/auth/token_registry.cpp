#include "auth/token_registry.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

#include <fmt/format.h>

namespace ptalk::auth {

namespace {

std::optional<std::string> read_token_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return std::nullopt;
    std::string line;
    std::getline(in, line, '\0');
    // Trim whitespace and newlines around it.
    const auto b = line.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return std::nullopt;
    const auto e = line.find_last_not_of(" \t\r\n");
    std::string token = line.substr(b, e - b + 1);
    if (!plausible_token(token)) return std::nullopt;
    return token;
}

}  // namespace

store::Status write_private_file(const std::filesystem::path& file, std::string_view content) {
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    const std::string tmp = file.string() + ".tmp";
    ::unlink(tmp.c_str());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return {store::StatusCode::cannot_open,
                fmt::format("cannot create {}: {}", tmp, std::strerror(errno))};
    }
    ::fchmod(fd, 0600);  // whatever the umask
    std::string_view rest = content;
    while (!rest.empty()) {
        const auto n = ::write(fd, rest.data(), rest.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            return {store::StatusCode::io_error,
                    fmt::format("cannot write {}: {}", tmp, std::strerror(err))};
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    ::fsync(fd);
    ::close(fd);
    if (::rename(tmp.c_str(), file.c_str()) != 0) {
        return {store::StatusCode::io_error, fmt::format("cannot rename {} to {}: {}", tmp,
                                                         file.string(), std::strerror(errno))};
    }
    return {};
}

store::Status TokenRegistry::load() {
    auto rows = store_.load_tokens();
    if (!rows) return rows.error();
    std::unique_lock lock(mutex_);
    by_hash_.clear();
    for (auto& r : *rows) {
        TokenInfo info;
        info.id = r.id;
        info.name = r.name;
        info.scope = parse_scope(r.scope).value_or(Scope::device);  // unknown: least power
        info.device_id = r.device_id;
        info.prefix = r.prefix;
        info.created_at = r.created_at;
        info.revoked_at = r.revoked_at;
        std::string hash = r.hash;
        by_hash_.insert_or_assign(std::move(hash), Entry{std::move(info), r.hash});
    }
    return {};
}

store::Result<Bootstrap> TokenRegistry::bootstrap_admin(const std::filesystem::path& file) {
    Bootstrap result = Bootstrap::existing;
    if (auto token = read_token_file(file)) {
        bool known = false;
        {
            std::shared_lock lock(mutex_);
            known = by_hash_.contains(hash_token(*token));
        }
        if (!known) {
            auto created = insert("admin (" + file.filename().string() + ")", Scope::admin, {},
                                  std::move(*token));
            if (!created) return created.error();
            result = Bootstrap::imported;
        }
    }
    bool have_admin = false;
    {
        std::shared_lock lock(mutex_);
        have_admin = std::any_of(by_hash_.begin(), by_hash_.end(), [](const auto& kv) {
            return kv.second.info.scope == Scope::admin && !kv.second.info.revoked_at;
        });
    }
    if (have_admin) return result;
    auto created = create("admin (" + file.filename().string() + ")", Scope::admin);
    if (!created) return created.error();
    if (auto st = write_private_file(file, created->token + "\n"); !st) return st;
    return Bootstrap::created;
}

store::Result<CreatedToken> TokenRegistry::create(std::string name, Scope scope,
                                                  std::optional<std::string> device_id) {
    return insert(std::move(name), scope, std::move(device_id), generate_token());
}

store::Result<CreatedToken> TokenRegistry::insert(std::string name, Scope scope,
                                                  std::optional<std::string> device_id,
                                                  std::string token) {
    store::TokenRecord r;
    r.name = std::move(name);
    r.scope = std::string(to_string(scope));
    r.device_id = std::move(device_id);
    r.hash = hash_token(token);
    r.prefix = token_prefix(token);
    r.created_at = store::unix_millis_now();
    auto id = store_.insert_token(r);
    if (!id) return id.error();
    TokenInfo info{*id, r.name, scope, r.device_id, r.prefix, r.created_at, std::nullopt};
    {
        std::unique_lock lock(mutex_);
        by_hash_.insert_or_assign(r.hash, Entry{info, r.hash});
    }
    return CreatedToken{std::move(info), std::move(token)};
}

store::Result<bool> TokenRegistry::revoke(std::uint64_t id) {
    const auto now = store::unix_millis_now();
    auto done = store_.revoke_token(id, now);
    if (!done) return done.error();
    std::unique_lock lock(mutex_);
    for (auto& [hash, e] : by_hash_) {
        if (e.info.id == id && !e.info.revoked_at) e.info.revoked_at = now;
    }
    return *done;
}

std::vector<TokenInfo> TokenRegistry::list() const {
    std::vector<TokenInfo> out;
    {
        std::shared_lock lock(mutex_);
        out.reserve(by_hash_.size());
        for (const auto& [hash, e] : by_hash_)
            out.push_back(e.info);
    }
    std::sort(out.begin(), out.end(), [](const TokenInfo& a, const TokenInfo& b) {
        if (a.revoked_at.has_value() != b.revoked_at.has_value()) return !a.revoked_at;
        return a.id < b.id;
    });
    return out;
}

std::optional<TokenInfo> TokenRegistry::find(std::uint64_t id) const {
    std::shared_lock lock(mutex_);
    for (const auto& [hash, e] : by_hash_) {
        if (e.info.id == id) return e.info;
    }
    return std::nullopt;
}

std::optional<TokenInfo> TokenRegistry::authenticate(std::string_view token) const {
    if (!plausible_token(token)) return std::nullopt;
    const std::string hash = hash_token(token);
    std::shared_lock lock(mutex_);
    // The map is keyed by the SHA-256 of the token, so the lookup's timing tells
    // nothing about the secret; the final comparison is constant-time anyway.
    const auto it = by_hash_.find(hash);
    if (it == by_hash_.end() || !secure_equal(it->second.hash, hash)) return std::nullopt;
    if (it->second.info.revoked_at) return std::nullopt;
    return it->second.info;
}

}  // namespace ptalk::auth
