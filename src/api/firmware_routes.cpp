// /api/v1/firmware: the firmware catalogue (docs/API.md "Firmware").
//   POST   /api/v1/firmware?version=&notes=&min_battery=&force=   raw image body, streamed
//   GET    /api/v1/firmware                 newest first
//   GET    /api/v1/firmware/{version}
//   DELETE /api/v1/firmware/{version}       409 while a transfer or rollout uses it
// The upload's body is never held whole: the gateway hands it over piece by
// piece (HttpHandler::stream_body) into the catalogue's temp file.
#include <charconv>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "api/api.hpp"
#include "firmware/file_catalogue.hpp"

namespace ptalk::api {

namespace asio = boost::asio;
namespace json = boost::json;
using firmware::Refusal;

namespace {

HttpResponse firmware_error(const firmware::Error& e) {
    switch (e.code) {
        case Refusal::not_found:
            return error_response(http::status::not_found, "firmware_not_found", e.message);
        case Refusal::exists:
            return error_response(http::status::conflict, "version_exists", e.message);
        case Refusal::in_use:
            return error_response(http::status::conflict, "firmware_in_use", e.message);
        case Refusal::too_large:
            return error_response(http::status::payload_too_large, "image_too_large", e.message);
        case Refusal::invalid_image:
            return error_response(http::status::unprocessable_entity, "not_esp32_image", e.message);
        case Refusal::version_mismatch:
            return error_response(http::status::unprocessable_entity, "version_mismatch",
                                  e.message);
        case Refusal::storage:
            break;
    }
    return error_response(http::status::internal_server_error, "storage_error", e.message);
}

HttpResponse no_catalogue() {
    return error_response(http::status::service_unavailable, "no_catalogue",
                          "this server has no firmware catalogue");
}

// The query of an upload: ?version=&notes=&min_battery=&force=
struct UploadQuery {
    firmware::UploadRequest req;
    std::optional<HttpResponse> error;
};

UploadQuery upload_query(const Target& t) {
    UploadQuery q;
    auto bad = [&](const std::string& message) {
        q.error = error_response(http::status::bad_request, "bad_parameter", message);
        return q;
    };
    if (auto v = t.param("version"); v && !v->empty()) {
        if (v->size() > 31) return bad("version is at most 31 characters");
        q.req.version = std::string(*v);
    }
    if (auto v = t.param("notes")) {
        if (v->size() > 4096) return bad("notes are at most 4096 characters");
        q.req.notes = std::string(*v);
    }
    const auto battery = int_param(t, "min_battery", 0, 100);
    if (!battery.error.empty()) return bad(battery.error);
    if (battery.value) q.req.min_battery_percent = static_cast<int>(*battery.value);
    if (auto v = t.param("force")) {
        if (*v != "true" && *v != "false" && *v != "1" && *v != "0" && !v->empty())
            return bad("force must be true or false");
        q.req.force = *v == "true" || *v == "1" || v->empty();
    }
    q.req.uploaded_by = "api";
    return q;
}

// The body is the image itself, whatever the declared type (curl --data-binary
// says x-www-form-urlencoded); only a multipart form, which would wrap the
// image in boundaries, is refused.
bool raw_body(std::string_view content_type) {
    constexpr std::string_view multipart = "multipart/";
    return !(content_type.size() >= multipart.size() &&
             boost::beast::iequals(content_type.substr(0, multipart.size()), multipart));
}

HttpResponse wrong_content_type() {
    return error_response(http::status::unsupported_media_type, "unsupported_media_type",
                          "send the image itself as the body (Content-Type: "
                          "application/octet-stream), not a form; version, notes, min_battery "
                          "and force go in the query");
}

// The upload in progress: each piece into the temp file, finish() on the
// blocking pool (fsync, rename, store insert).
class UploadSink final : public gateway::BodySink {
  public:
    UploadSink(std::unique_ptr<firmware::FileCatalogue::Upload> up, asio::thread_pool& blocking)
        : up_(std::move(up)), blocking_(blocking) {}

    std::optional<HttpResponse> write(std::span<const std::uint8_t> piece) override {
        if (auto e = up_->write(piece)) return firmware_error(*e);
        return std::nullopt;
    }

    asio::awaitable<HttpResponse> finish() override {
        auto* up = up_.get();
        auto task = [up]() -> asio::awaitable<HttpResponse> {
            auto m = up->finish();
            if (!m) co_return firmware_error(m.error());
            co_return json_response(http::status::created, firmware_json(*m));
        };
        auto res = co_await asio::co_spawn(blocking_, std::move(task), asio::use_awaitable);
        co_return res;
    }

  private:
    std::unique_ptr<firmware::FileCatalogue::Upload> up_;
    asio::thread_pool& blocking_;
};

}  // namespace

json::object firmware_json(const firmware::FirmwareMeta& m) {
    json::object o{{"version", m.version},
                   {"descriptor_version", m.descriptor_version},
                   {"project_name", m.project_name},
                   {"idf_version", m.idf_version},
                   {"build_date", m.build_date},
                   {"sha256", m.sha256},
                   {"size", m.size},
                   {"notes", m.notes},
                   {"uploaded_at_ms", m.uploaded_at},
                   {"uploaded_by", m.uploaded_by}};
    if (m.min_battery_percent) {
        o["min_battery_percent"] = *m.min_battery_percent;
    } else {
        o["min_battery_percent"] = nullptr;
    }
    return o;
}

gateway::BodyStream Api::stream_body(const gateway::HttpRequestHeader& header,
                                     const gateway::RequestContext&) {
    if (firmware_ == nullptr || header.method() != http::verb::post) return {};
    auto t = parse_target(header.target());
    if (!t || t->segments != std::vector<std::string>{"api", "v1", "firmware"}) return {};
    gateway::BodyStream bs;
    if (!raw_body(header[http::field::content_type])) {
        bs.now = wrong_content_type();
        return bs;
    }
    auto q = upload_query(*t);
    if (q.error) {
        bs.now = std::move(q.error);
        return bs;
    }
    if (!store_.writable()) {
        bs.now = store_unavailable();
        return bs;
    }
    if (auto len = header[http::field::content_length]; !len.empty()) {
        std::uint64_t n = 0;
        auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), n);
        if (ec == std::errc{} && end == len.data() + len.size()) q.req.size = n;
    }
    auto up = firmware_->begin_upload(std::move(q.req));
    if (!up) {
        bs.now = firmware_error(up.error());
        return bs;
    }
    bs.sink = std::make_unique<UploadSink>(std::move(*up), blocking_);
    return bs;
}

asio::awaitable<HttpResponse> Api::firmware_route(const HttpRequest& req, const Target& t) {
    if (firmware_ == nullptr) co_return no_catalogue();
    const auto& s = t.segments;
    const auto m = req.method();
    if (s.size() == 3) {
        if (m == http::verb::get) {
            json::array items;
            for (const auto& f : firmware_->list())
                items.push_back(firmware_json(f));
            co_return json_response(http::status::ok, {{"firmware", std::move(items)}});
        }
        if (m != http::verb::post) co_return method_not_allowed("GET, POST");
        // Normally streamed (stream_body); this is a body the gateway read whole.
        if (!raw_body(req[http::field::content_type])) co_return wrong_content_type();
        auto q = upload_query(t);
        if (q.error) co_return std::move(*q.error);
        if (!store_.writable()) co_return store_unavailable();
        const std::string& body = req.body();
        auto* cat = firmware_;
        // A named function, not a temporary inside co_await (GCC 12).
        const std::function<HttpResponse()> put = [cat, &q, &body] {
            const auto* p = reinterpret_cast<const std::uint8_t*>(body.data());
            auto r = cat->put(q.req, std::span(p, body.size()));
            if (!r) return firmware_error(r.error());
            return json_response(http::status::created, firmware_json(*r));
        };
        co_return co_await blocking(put);
    }
    if (s.size() != 4) {
        co_return error_response(http::status::not_found, "not_found", "no such endpoint");
    }
    const std::string version = s[3];
    if (m == http::verb::get) {
        auto f = firmware_->find(version);
        if (!f) {
            co_return firmware_error(
                {Refusal::not_found, "no firmware version " + version + " in the catalogue"});
        }
        co_return json_response(http::status::ok, firmware_json(*f));
    }
    if (m == http::verb::delete_) {
        auto* cat = firmware_;
        const std::function<HttpResponse()> remove = [cat, &version] {
            if (auto e = cat->remove(version)) return firmware_error(*e);
            return json_response(http::status::ok, {{"version", version}, {"deleted", true}});
        };
        co_return co_await blocking(remove);
    }
    co_return method_not_allowed("GET, DELETE");
}

}  // namespace ptalk::api
