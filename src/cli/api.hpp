#pragma once
// The REST API v1 as the CLI uses it: JSON in, JSON out, every failure a
// CliError with one readable line (api_error.hpp).
#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include "cli/api_error.hpp"
#include "cli/device_info.hpp"
#include "cli/http_client.hpp"

namespace ptalk::cli {

// GET /api/v1/devices filters (docs/API.md).
struct DeviceFilter {
    std::optional<bool> online;
    std::optional<std::string> firmware;
    std::optional<std::string> name;  // substring, any case
    std::optional<std::string> sort;  // id, name, last_seen
    bool descending = false;
    std::size_t limit = 100;  // page size, 1-1000
    std::string cursor;
};

// "/api/v1/devices?online=true&name=Liv%20R&limit=100"
[[nodiscard]] std::string device_list_path(const DeviceFilter& f);
[[nodiscard]] std::string percent_encode(std::string_view s);

struct DevicePage {
    boost::json::array devices;
    std::size_t total = 0;
    std::string next_cursor;  // empty on the last page
};

// A device the user named, as the server knows it.
struct ResolvedDevice {
    DeviceInfo info;
    boost::json::value json;  // GET /api/v1/devices/{id}
};

class Api {
  public:
    explicit Api(HttpClient& http) : http_(http) {}

    [[nodiscard]] DevicePage list_devices(const DeviceFilter& f);
    // Every page of a listing (follows next_cursor).
    [[nodiscard]] boost::json::array all_devices(DeviceFilter f);
    [[nodiscard]] std::vector<DeviceInfo> device_infos();

    // By id in any form or by name; unknown → not_found with a did-you-mean.
    [[nodiscard]] ResolvedDevice resolve(std::string_view text);
    [[nodiscard]] boost::json::value device(const std::string& id);

    // One call; a non-2xx answer throws describe_failure(…, ctx).
    boost::json::value call(boost::beast::http::verb method, const std::string& path,
                            std::string_view body, const FailureContext& ctx);
    boost::json::value get(const std::string& path, const FailureContext& ctx = {}) {
        return call(boost::beast::http::verb::get, path, {}, ctx);
    }
    boost::json::value post(const std::string& path, std::string_view body,
                            const FailureContext& ctx = {}) {
        return call(boost::beast::http::verb::post, path, body, ctx);
    }
    // Probes an endpoint a feature needs: throws not_offered_yet(feature) when
    // the server has no such endpoint.
    void require_endpoint(const std::string& path, const std::string& feature);

    [[nodiscard]] HttpClient& http() noexcept { return http_; }
    // For --json: the server's error body also goes to `out`, for scripts.
    void echo_errors_to(std::ostream* out) noexcept { echo_errors_ = out; }

  private:
    HttpClient& http_;
    std::ostream* echo_errors_ = nullptr;
};

// The path of one device: "/api/v1/devices/24a160000000".
[[nodiscard]] std::string device_path(const std::string& id);

}  // namespace ptalk::cli
