#include "sim/ws_url.hpp"

#include <stdexcept>

#include <boost/url/parse.hpp>

namespace ptalk::sim {

WsUrl parse_ws_url(std::string_view url) {
    auto r = boost::urls::parse_uri(url);
    if (!r) throw std::invalid_argument("not a URL: " + std::string(url));
    WsUrl out;
    auto scheme = r->scheme();
    if (scheme == "wss") {
        out.tls = true;
    } else if (scheme != "ws") {
        throw std::invalid_argument("the URL must start with ws:// or wss://: " + std::string(url));
    }
    // An IPv6 literal is resolved and checked without its brackets.
    out.host = r->host_type() == boost::urls::host_type::ipv6 ? r->host_ipv6_address().to_string()
                                                              : std::string(r->encoded_host());
    if (out.host.empty()) throw std::invalid_argument("the URL has no host: " + std::string(url));
    out.port = r->has_port() ? std::string(r->port()) : (out.tls ? "443" : "80");
    out.target = r->encoded_path().empty() ? "/" : std::string(r->encoded_path());
    if (r->has_query()) {
        // Appended in two steps: GCC 12 at -O3 sees a false -Wrestrict in "?" + string.
        out.target += '?';
        out.target += std::string_view(r->encoded_query());
    }
    return out;
}

}  // namespace ptalk::sim
