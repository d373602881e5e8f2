#pragma once
// What the HTTP front door hands a non-WebSocket request to (the REST API).
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace ptalk::gateway {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

using HttpRequestHeader = boost::beast::http::request_header<>;

struct RequestContext {
    std::string remote;  // "ip:port"
};

// A request body taken piece by piece as it arrives (large uploads), instead
// of whole in memory. Destroyed without finish() having been called: the body
// was cut off (or refused), and whatever the sink kept must be discarded.
class BodySink {
  public:
    virtual ~BodySink() = default;
    // The next piece. A response stops the upload: it is sent and the connection closed.
    virtual std::optional<HttpResponse> write(std::span<const std::uint8_t> piece) = 0;
    // The whole body arrived.
    virtual boost::asio::awaitable<HttpResponse> finish() = 0;
};

// What the handler wants done with a request once its header is read.
struct BodyStream {
    std::unique_ptr<BodySink> sink;   // set: stream the body into it (no body limit of ours)
    std::optional<HttpResponse> now;  // set: answer this without reading the body
};

class HttpHandler {
  public:
    virtual ~HttpHandler() = default;
    // Must not throw; answers every request (errors as JSON).
    // `req` outlives the call (the caller awaits it).
    virtual boost::asio::awaitable<HttpResponse> handle(const HttpRequest& req,
                                                        const RequestContext& ctx) = 0;
    // Called with each request's header, before its body is read. The default
    // (neither set) reads the body whole, up to the body limit, and calls handle().
    virtual BodyStream stream_body(const HttpRequestHeader& header, const RequestContext& ctx) {
        (void)header;
        (void)ctx;
        return {};
    }

    // Long-lived responses (Server-Sent Events). When takes_stream(req) is true
    // the listener hands the connection to stream(), which writes the whole
    // response itself (and sets its own timeouts); the connection closes after.
    [[nodiscard]] virtual bool takes_stream(const HttpRequest& req) const {
        (void)req;
        return false;
    }
    virtual boost::asio::awaitable<void> stream(const HttpRequest& req, const RequestContext& ctx,
                                                boost::beast::tcp_stream& stream) {
        (void)req;
        (void)ctx;
        (void)stream;
        co_return;
    }
};

}  // namespace ptalk::gateway
