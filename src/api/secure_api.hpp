#pragma once
// The API's front: authentication, JSON body limits and the security routes
// (tokens, device registration and device tokens) in front of the rest of the
// API (docs/SECURITY.md). Every request passes the one check in handle(); which
// scope a request needs is decided by auth::required_scope() from its method and
// path, so routes added to Api later are covered without touching this file.
#include <cstddef>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "api/http_util.hpp"
#include "auth/admission.hpp"
#include "auth/scope_rule.hpp"
#include "auth/token_registry.hpp"
#include "core/metrics.hpp"
#include "gateway/http_handler.hpp"
#include "store/store.hpp"

namespace ptalk::api {

struct SecurityApiOptions {
    bool auth = true;          // false: `--auth none`, every request is admin
    bool metrics_open = true;  // false: /metrics needs a read token
    std::size_t max_json_bytes = 64 * 1024;
    std::size_t max_json_depth = 16;  // parse_json_body() refuses deeper anyway
};

class SecureApi final : public gateway::HttpHandler {
  public:
    SecureApi(gateway::HttpHandler& inner, auth::TokenRegistry& tokens, auth::Admission& admission,
              store::Store& store, core::Metrics& metrics, boost::asio::thread_pool& blocking,
              SecurityApiOptions options);

    boost::asio::awaitable<HttpResponse> handle(const HttpRequest& req,
                                                const gateway::RequestContext& ctx) override;

    // Streamed uploads (firmware): checked here, before a byte of the body is
    // read. Everything else goes on to handle().
    gateway::BodyStream stream_body(const gateway::HttpRequestHeader& header,
                                    const gateway::RequestContext& ctx) override;

    // Event streams (SSE): only for a request the check lets through; a refused
    // one goes to handle(), which answers 401/403.
    [[nodiscard]] bool takes_stream(const HttpRequest& req) const override;
    boost::asio::awaitable<void> stream(const HttpRequest& req, const gateway::RequestContext& ctx,
                                        boost::beast::tcp_stream& stream) override;

    // The access check alone: 401/403 to send, or nothing when the request may go
    // on. Any other way into the API (a streamed response, a streamed upload...)
    // that gateway::HttpHandler gains must be forwarded by this class to the
    // inner handler after this check, like handle() and stream_body() do.
    [[nodiscard]] std::optional<HttpResponse> authorize(std::string_view method,
                                                        std::string_view target,
                                                        std::string_view authorization);

    // Called with a device id whose admission was just taken back (its device
    // token revoked in token mode, or its allowlist entry removed in allowlist
    // mode): the server ends its connection so that admission is asked again.
    void on_admission_withdrawn(std::function<void(const std::string& device_id)> f) {
        withdrawn_ = std::move(f);
    }

  private:
    enum class Verdict { allowed, missing, invalid, scope };
    struct Decision {
        Verdict verdict = Verdict::allowed;
        auth::Scope need = auth::Scope::read;
        auth::Scope have = auth::Scope::read;
    };
    [[nodiscard]] Decision decide(std::string_view method, std::string_view target,
                                  std::string_view authorization) const;
    using Awaitable = boost::asio::awaitable<HttpResponse>;
    // An answer when the request may not go on (401, 403, 413, 400).
    std::optional<HttpResponse> check(const HttpRequest& req, const Target& t);
    // True for the security routes, which route() answers.
    static bool owns(const HttpRequest& req, const Target& t);
    HttpResponse route(const HttpRequest& req, const Target& t);
    HttpResponse create_token(const HttpRequest& req);
    HttpResponse revoke_token(const std::string& raw_id);
    HttpResponse list_tokens() const;
    HttpResponse device_token(const HttpRequest& req, const std::string& id);
    HttpResponse register_device(const HttpRequest& req);
    HttpResponse unregister_device(const std::string& raw_id);
    HttpResponse allowlist() const;
    void event(std::optional<std::string> device_id, std::string type, std::string data);
    void withdraw(const std::string& device_id, auth::AdmissionMode when);
    std::function<void(const std::string&)> withdrawn_;

    gateway::HttpHandler& inner_;
    auth::TokenRegistry& tokens_;
    auth::Admission& admission_;
    store::Store& store_;
    core::Metrics& metrics_;
    boost::asio::thread_pool& blocking_;
    SecurityApiOptions options_;
};

// Nesting depth of the JSON text `s` (strings skipped; not a validator).
[[nodiscard]] std::size_t json_depth(std::string_view s) noexcept;

}  // namespace ptalk::api
