#pragma once
// What the HTTP front door hands a non-WebSocket request to (the REST API).
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace ptalk::gateway {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct RequestContext {
    std::string remote;  // "ip:port"
};

class HttpHandler {
  public:
    virtual ~HttpHandler() = default;
    // Must not throw; answers every request (errors as JSON).
    // `req` outlives the call (the caller awaits it).
    virtual boost::asio::awaitable<HttpResponse> handle(const HttpRequest& req,
                                                        const RequestContext& ctx) = 0;
};

}  // namespace ptalk::gateway
