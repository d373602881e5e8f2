#pragma once
// TLS on the device/API port (docs/SECURITY.md): a connection that starts with
// a TLS ClientHello is decrypted here and relayed, in process, over a loopback
// connection to the listener's own plain-text path; everything else is served
// as before. The WebSocket sessions and the HTTP front stay plain-TCP code, so
// TLS costs one relay coroutine and two extra descriptors per TLS connection,
// and ~89 KiB of memory per idle one, most of it asio's and OpenSSL's record
// buffers (docs/SECURITY.md).
// The relayed connection keeps the client's real address (remote_of()).
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace ptalk::gateway {

class TlsFront {
  public:
    // Loads the PEM certificate chain and key; throws std::runtime_error naming the file.
    TlsFront(const std::string& cert_file, const std::string& key_file);

    // Where relayed connections go (the listener's inner acceptor).
    void set_inner(const boost::asio::ip::tcp::endpoint& ep) { inner_ = ep; }
    // Runs one TLS connection whose first bytes are in `buffer`; `remote` is "ip:port".
    boost::asio::awaitable<void> relay(boost::beast::tcp_stream stream,
                                       boost::beast::flat_buffer buffer, std::string remote,
                                       std::chrono::milliseconds handshake_timeout);
    // The client behind an inner connection from local port `port` (once).
    [[nodiscard]] std::optional<std::string> remote_of(std::uint16_t port);

  private:
    boost::asio::ssl::context ctx_;
    boost::asio::ip::tcp::endpoint inner_;
    std::mutex mutex_;
    std::unordered_map<std::uint16_t, std::string> remotes_;
};

}  // namespace ptalk::gateway
