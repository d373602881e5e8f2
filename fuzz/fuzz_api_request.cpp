// libFuzzer target: any bytes as an HTTP request, handled in-process by the
// same front ptalkd serves (authentication, JSON limits, the security routes,
// then the REST API) over a real store in a temporary directory. The text
// "@ADMIN@" in the input becomes a valid admin token and "@READ@" a read
// token, so the fuzzer gets past authentication too. Checks: no crash, no
// exception, every request gets a status in 200..599 and a JSON error body
// for every 4xx/5xx.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json/parse.hpp>

#include "api/api.hpp"
#include "api/secure_api.hpp"
#include "auth/admission.hpp"
#include "auth/token_registry.hpp"
#include "fleet/fleet.hpp"
#include "fuzz_check.hpp"
#include "store/sqlite_store.hpp"

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace ptalk;

struct World {
    std::filesystem::path dir;
    store::SqliteStore store;
    core::Metrics metrics;
    std::unique_ptr<fleet::Fleet> fleet;
    asio::thread_pool blocking{1};
    std::unique_ptr<api::Api> inner;
    std::unique_ptr<auth::TokenRegistry> tokens;
    std::unique_ptr<auth::Admission> admission;
    std::unique_ptr<api::SecureApi> front;
    std::string admin, read;

    World() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "ptalk-fuzz-api-XXXXXX").string();
        CHECK(mkdtemp(tmpl.data()) != nullptr);
        dir = tmpl;
        CHECK(store.open(dir).ok());
        fleet = std::make_unique<fleet::Fleet>(store, metrics);
        CHECK(fleet->load().ok());
        api::ApiOptions o;
        o.default_timeout = std::chrono::milliseconds(100);
        inner = std::make_unique<api::Api>(*fleet, store, metrics, blocking, o);
        tokens = std::make_unique<auth::TokenRegistry>(store);
        CHECK(tokens->load().ok());
        admin = tokens->create("fuzz-admin", auth::Scope::admin)->token;
        read = tokens->create("fuzz-read", auth::Scope::read)->token;
        admission =
            std::make_unique<auth::Admission>(store, *tokens, metrics, auth::AdmissionOptions{});
        CHECK(admission->load().ok());
        front = std::make_unique<api::SecureApi>(*inner, *tokens, *admission, store, metrics,
                                                 blocking, api::SecurityApiOptions{});
    }
    ~World() {
        fleet->shutdown();
        blocking.join();
        (void)store.close();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

void replace_all(std::string& s, std::string_view from, const std::string& to) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    std::string bytes(reinterpret_cast<const char*>(data), size);
    replace_all(bytes, "@ADMIN@", world.admin);
    replace_all(bytes, "@READ@", world.read);

    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    parser.header_limit(16 * 1024);
    parser.eager(true);
    boost::beast::error_code ec;
    parser.put(asio::buffer(bytes), ec);
    if (ec == http::error::need_more) {
        ec = {};
        parser.put_eof(ec);
    }
    if (ec || !parser.is_done()) return 0;
    const auto req = parser.release();

    asio::io_context ioc;
    bool done = false;
    const gateway::RequestContext ctx{"127.0.0.1:1"};
    asio::co_spawn(ioc, world.front->handle(req, ctx),
                   [&](std::exception_ptr e, gateway::HttpResponse res) {
                       CHECK(!e);
                       const unsigned status = res.result_int();
                       CHECK(status >= 200 && status < 600);
                       if (status >= 400) {
                           boost::json::error_code jec;
                           const auto v = boost::json::parse(res.body(), jec);
                           CHECK(!jec && v.is_object() && v.get_object().contains("error"));
                       }
                       done = true;
                   });
    ioc.run();
    CHECK(done);
    return 0;
}
