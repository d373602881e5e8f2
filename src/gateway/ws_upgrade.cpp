#include "gateway/ws_upgrade.hpp"

#include <array>

#include <fmt/format.h>
#include <openssl/evp.h>

namespace ptalk::gateway {

namespace http = boost::beast::http;

namespace {

HttpResponse refuse(const HttpRequest& req, http::status status, std::string_view message) {
    HttpResponse res{status, req.version()};
    res.set(http::field::server, "ptalkd");
    res.set(http::field::content_type, "application/json");
    if (status == http::status::upgrade_required) res.set(http::field::sec_websocket_version, "13");
    res.body() = fmt::format(R"({{"error":{{"code":"bad_upgrade","message":"{}"}}}})", message);
    res.keep_alive(false);
    res.prepare_payload();
    return res;
}

}  // namespace

std::optional<HttpResponse> upgrade_refusal(const HttpRequest& req) {
    if (req.find(http::field::host) == req.end())
        return refuse(req, http::status::bad_request, "the upgrade has no Host");
    const auto key = req[http::field::sec_websocket_key];
    // Beast's check, kept: any key of at most 24 characters (a base64 nonce is 24).
    if (key.empty() || key.size() > 24)
        return refuse(req, http::status::bad_request, "missing or bad Sec-WebSocket-Key");
    const auto version = req[http::field::sec_websocket_version];
    if (version.empty())
        return refuse(req, http::status::bad_request, "missing Sec-WebSocket-Version");
    if (version != "13")
        return refuse(req, http::status::upgrade_required, "only WebSocket version 13 is spoken");
    return std::nullopt;
}

std::string upgrade_response(const HttpRequest& req) {
    return fmt::format(
        "HTTP/1.1 101 Switching Protocols\r\nServer: ptalkd\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        websocket_accept_key(req[http::field::sec_websocket_key]));
}

std::string websocket_accept_key(std::string_view key) {
    static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::string text;
    text.reserve(key.size() + guid.size());
    text.append(key);
    text.append(guid);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha1(), nullptr);
    std::array<unsigned char, 64> b64{};
    const int n = EVP_EncodeBlock(b64.data(), digest.data(), static_cast<int>(size));
    return {reinterpret_cast<const char*>(b64.data()), static_cast<std::size_t>(n)};
}

std::string query_value(std::string_view target, std::string_view key) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view rest = target.substr(q + 1);
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        const auto eq = part.find('=');
        if (part.substr(0, eq) != key || eq == std::string_view::npos) continue;
        const auto raw = part.substr(eq + 1);
        std::string out;
        for (std::size_t i = 0; i < raw.size() && out.size() < 512; ++i) {
            if (raw[i] == '%' && i + 2 < raw.size()) {
                const int hi = hex(raw[i + 1]), lo = hex(raw[i + 2]);
                if (hi >= 0 && lo >= 0) {
                    out.push_back(static_cast<char>(hi * 16 + lo));
                    i += 2;
                    continue;
                }
            }
            out.push_back(raw[i]);
        }
        return out;
    }
    return {};
}

}  // namespace ptalk::gateway
