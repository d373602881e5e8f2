#pragma once
// A small blocking HTTP/1.1 client: one keep-alive connection to the server,
// reconnected once when the server has closed an idle one; https with the
// server's certificate checked against the system's CAs (and ServerUrl::ca_file)
// and its host name. Connection failures throw CliError(unreachable) with a
// readable line.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

#include "cli/server_url.hpp"

namespace ptalk::cli {

struct HttpResponse {
    unsigned status = 0;
    std::string body;
    boost::json::value json;  // null when the body is not JSON
};

// Bytes of the request sent so far, of the total (headers included).
using ProgressFn = std::function<void(std::uint64_t sent, std::uint64_t total)>;
// A piece of a streamed body; return false to stop reading.
using ChunkFn = std::function<bool(std::string_view)>;

class HttpClient {
  public:
    HttpClient(ServerUrl server, std::string token);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // The longest one request may take (a command waits for the device).
    void set_timeout(std::chrono::milliseconds t) noexcept { timeout_ = t; }

    // `path` is relative to the server's base path ("/api/v1/devices").
    HttpResponse request(boost::beast::http::verb method, std::string_view path,
                         std::string_view body = {},
                         std::string_view content_type = "application/json",
                         const ProgressFn& progress = {});
    HttpResponse get(std::string_view path) { return request(boost::beast::http::verb::get, path); }

    // Sends a file as the request body, read and sent piece by piece (never
    // whole in memory), on a connection of its own. `progress` counts body bytes.
    HttpResponse send_file(boost::beast::http::verb method, std::string_view path,
                           const std::filesystem::path& file, std::string_view content_type,
                           const ProgressFn& progress = {});

    // GET whose body is read as it arrives (Server-Sent Events). A non-2xx
    // answer is read whole and returned; a 2xx one is handed to on_chunk and an
    // empty response comes back when the server ends it or on_chunk says stop.
    HttpResponse stream(std::string_view path, std::string_view accept, const ChunkFn& on_chunk);

    [[nodiscard]] const ServerUrl& server() const noexcept { return server_; }

  private:
    struct Connection;
    void connect();
    [[noreturn]] void unreachable(const boost::system::error_code& ec) const;

    ServerUrl server_;
    std::string token_;
    std::chrono::milliseconds timeout_{std::chrono::seconds(150)};
    boost::asio::io_context ioc_;
    std::optional<boost::asio::ssl::context> tls_;  // made at the first https connect
    std::unique_ptr<Connection> conn_;
};

}  // namespace ptalk::cli
