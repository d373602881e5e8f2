// ptalkd: the PTalk fleet server. A thin main: options in, Server out.
#include <cstdlib>
#include <iostream>
#include <map>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "core/log.hpp"
#include "ota_options.hpp"
#include "server/server.hpp"

int main(int argc, char** argv) {
    ptalk::server::Config cfg;
    CLI::App app{"ptalkd - the PTalk fleet server (device WebSocket, REST API, metrics)"};
    app.option_defaults()->always_capture_default();
    app.add_option("--listen", cfg.listen_address, "Address to listen on")->envname("PTALK_LISTEN");
    app.add_option("--port", cfg.port, "TCP port for devices (ws) and the API (http)")
        ->envname("PTALK_PORT");
    app.add_option("--data-dir", cfg.data_dir, "Where the store lives")->envname("PTALK_DATA_DIR");
    app.add_option("--log-level", cfg.log_level, "trace, debug, info, warn, error, off")
        ->envname("PTALK_LOG_LEVEL");
    app.add_option("--threads", cfg.threads, "I/O threads, one event loop each (0: one per core)")
        ->envname("PTALK_THREADS");
    app.add_option("--ws-path", cfg.gateway.ws_path, "Path of the device WebSocket")
        ->envname("PTALK_WS_PATH");
    auto ms = [](std::chrono::milliseconds& d) {
        return [&d](const std::int64_t& v) { d = std::chrono::milliseconds(v); };
    };
    app.add_option_function<std::int64_t>("--handshake-timeout-ms",
                                          ms(cfg.gateway.handshake_timeout),
                                          "Upgrade to device_handshake deadline (default 10000)")
        ->envname("PTALK_HANDSHAKE_TIMEOUT_MS")
        ->check(CLI::Range(100, 600'000));
    app.add_option_function<std::int64_t>("--idle-timeout-ms", ms(cfg.gateway.idle_timeout),
                                          "Drop a device silent this long (default 30000)")
        ->envname("PTALK_IDLE_TIMEOUT_MS")
        ->check(CLI::Range(1000, 3'600'000));
    app.add_option_function<std::int64_t>("--command-timeout-ms", ms(cfg.api.default_timeout),
                                          "Default per-command timeout (default 5000)")
        ->envname("PTALK_COMMAND_TIMEOUT_MS")
        ->check(CLI::Range(100, 120'000));
    app.add_option_function<std::int64_t>("--http-timeout-ms", ms(cfg.gateway.http_timeout),
                                          "Per-request HTTP read/write limit (default 30000)")
        ->envname("PTALK_HTTP_TIMEOUT_MS")
        ->check(CLI::Range(100, 600'000));
    app.add_option("--max-queued-commands", cfg.gateway.max_queued_commands,
                   "Per-device command queue bound")
        ->envname("PTALK_MAX_QUEUED_COMMANDS")
        ->check(CLI::Range(1, 100'000));
    bool no_status = false;
    app.add_flag("--no-status-after-handshake", no_status,
                 "Do not ask request_status after each handshake")
        ->envname("PTALK_NO_STATUS_AFTER_HANDSHAKE");
    app.add_option_function<std::int64_t>("--store-batch-ms", ms(cfg.sqlite.batch_window),
                                          "Store write batch window (default 50)")
        ->envname("PTALK_STORE_BATCH_MS")
        ->check(CLI::Range(1, 10'000));
    std::int64_t store_max_mb = 0;
    app.add_option("--store-max-mb", store_max_mb,
                   "Cap the store's size; writes beyond it fail and the API answers 503 "
                   "(0: no cap)")
        ->envname("PTALK_STORE_MAX_MB")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 30));
    std::int64_t firmware_max_mb = 6;
    app.add_option("--firmware-max-mb", firmware_max_mb,
                   "Largest firmware image accepted (the OTA partition; default 6)")
        ->envname("PTALK_FIRMWARE_MAX_MB")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{64}));
    // live (issue 6): event stream, desired state
    app.add_option("--event-retention", cfg.live.event_retention,
                   "Events kept in the store for replay (Last-Event-ID); 0 keeps all")
        ->envname("PTALK_EVENT_RETENTION");
    app.add_option_function<std::int64_t>(
           "--sse-heartbeat-ms", ms(cfg.live.sse_heartbeat),
           "Keep-alive comment on idle event streams (default 15000)")
        ->envname("PTALK_SSE_HEARTBEAT_MS")
        ->check(CLI::Range(100, 600'000));
    app.add_option("--drift-policy", cfg.live.drift_policy,
                   "A setting changed on the device itself: enforce (re-apply desired) or adopt")
        ->envname("PTALK_DRIFT_POLICY")
        ->transform(CLI::CheckedTransformer(
            std::map<std::string, ptalk::live::DriftPolicy>{
                {"enforce", ptalk::live::DriftPolicy::enforce},
                {"adopt", ptalk::live::DriftPolicy::adopt}},
            CLI::ignore_case));
    app.add_option("--job-history", cfg.live.job_history,
                   "Finished fleet jobs kept in the store (default 1000)")
        ->envname("PTALK_JOB_HISTORY")
        ->check(CLI::Range(1, 1'000'000));
    app.add_option("--webhook-log", cfg.live.webhooks.log_size,
                   "Delivery attempts kept per webhook (default 1000)")
        ->envname("PTALK_WEBHOOK_LOG")
        ->check(CLI::Range(1, 1'000'000));
    app.add_option("--webhook-attempts", cfg.live.webhooks.max_attempts,
                   "Attempts per event and webhook before it is logged as failed")
        ->envname("PTALK_WEBHOOK_ATTEMPTS")
        ->check(CLI::Range(1, 100));
    app.add_option_function<std::int64_t>("--webhook-retry-ms", ms(cfg.live.webhooks.retry_base),
                                          "First webhook retry delay, doubling (default 500)")
        ->envname("PTALK_WEBHOOK_RETRY_MS")
        ->check(CLI::Range(10, 600'000));
    // ---- security (docs/SECURITY.md) ----
    auto& sec = cfg.security;
    std::string auth_mode = "token", admission = "open";
    app.add_option("--auth", auth_mode,
                   "API authentication: token (bearer tokens with scopes) or none (refused on a "
                   "non-loopback address without --force-insecure)")
        ->envname("PTALK_AUTH")
        ->check(CLI::IsMember({"token", "none"}));
    app.add_flag("--force-insecure", sec.force_insecure,
                 "Allow --auth none on a non-loopback address")
        ->envname("PTALK_FORCE_INSECURE");
    app.add_option("--admin-token-file", sec.admin_token_file,
                   "The bootstrap admin token: imported if the file holds an unknown token, "
                   "written there when no admin token exists (default <data-dir>/admin.token)")
        ->envname("PTALK_ADMIN_TOKEN_FILE");
    bool metrics_auth = false;
    app.add_flag("--metrics-auth", metrics_auth, "/metrics needs a read token")
        ->envname("PTALK_METRICS_AUTH");
    app.add_option("--max-json-bytes", sec.api.max_json_bytes, "Largest JSON body of an API call")
        ->envname("PTALK_MAX_JSON_BYTES")
        ->check(CLI::Range(std::size_t{64}, std::size_t{16} << 20));
    app.add_option("--max-json-depth", sec.api.max_json_depth,
                   "Deepest nesting of an API JSON body")
        ->envname("PTALK_MAX_JSON_DEPTH")
        ->check(CLI::Range(1, 16));
    app.add_option("--admission", admission,
                   "Which devices may connect: open, allowlist (registered ids) or token "
                   "(?token= on the ws URL)")
        ->envname("PTALK_ADMISSION")
        ->check(CLI::IsMember({"open", "allowlist", "token"}));
    app.add_option("--fleet-token", sec.admission.fleet_token,
                   "Admission `token`: a token that admits any device id (prefer the env var)")
        ->envname("PTALK_FLEET_TOKEN");
    app.add_option("--max-connections", cfg.gateway.max_connections,
                   "Open TCP connections at most (devices and API)")
        ->envname("PTALK_MAX_CONNECTIONS")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
    app.add_option("--ip-rate", cfg.gateway.ip_rate,
                   "New connections per second per IP address (0: no limit)")
        ->envname("PTALK_IP_RATE")
        ->check(CLI::Range(0.0, 1e9));
    app.add_option("--ip-burst", cfg.gateway.ip_burst, "Burst of new connections per IP address")
        ->envname("PTALK_IP_BURST")
        ->check(CLI::Range(1.0, 1e9));
    app.add_flag("--ip-rate-loopback", cfg.gateway.ip_rate_loopback,
                 "Apply --ip-rate to loopback addresses too")
        ->envname("PTALK_IP_RATE_LOOPBACK");
    app.add_option("--max-frame-bytes", cfg.gateway.max_frame_bytes,
                   "Largest WebSocket message from a device")
        ->envname("PTALK_MAX_FRAME_BYTES")
        ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20));
    app.add_option("--max-body-bytes", cfg.gateway.max_body_bytes, "Largest HTTP request body")
        ->envname("PTALK_MAX_BODY_BYTES")
        ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30));
    app.add_option("--max-header-bytes", cfg.gateway.max_header_bytes,
                   "Largest HTTP request header block")
        ->envname("PTALK_MAX_HEADER_BYTES")
        ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 20));
    app.add_option("--max-send-queue-bytes", cfg.gateway.max_send_queue_bytes,
                   "Bytes waiting to be sent to one device before it is dropped")
        ->envname("PTALK_MAX_SEND_QUEUE_BYTES")
        ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 30));
    app.add_option("--tls-cert", cfg.gateway.tls_cert,
                   "PEM certificate (chain): serve https and wss on --port (with --tls-key)")
        ->envname("PTALK_TLS_CERT")
        ->check(CLI::ExistingFile);
    app.add_option("--tls-key", cfg.gateway.tls_key, "PEM private key of --tls-cert")
        ->envname("PTALK_TLS_KEY")
        ->check(CLI::ExistingFile);
    ptalk::server::add_ota_options(app, cfg.ota);
    CLI11_PARSE(app, argc, argv);
    cfg.firmware.max_image_bytes = static_cast<std::uint64_t>(firmware_max_mb) * 1024 * 1024;
    if (cfg.gateway.tls_cert.empty() != cfg.gateway.tls_key.empty()) {
        std::cerr << "--tls-cert and --tls-key go together\n";
        return 2;
    }
    sec.api.auth = auth_mode != "none";
    sec.api.metrics_open = !metrics_auth;
    sec.admission.mode = *ptalk::auth::parse_admission_mode(admission);
    if (store_max_mb > 0) cfg.sqlite.max_page_count = store_max_mb * 1024 * 1024 / 4096;
    cfg.gateway.status_after_handshake = !no_status;
    cfg.gateway.command_timeout = cfg.api.default_timeout;

    ptalk::core::init_logging(cfg.log_level);
    ptalk::server::Server server(cfg);
    if (auto err = server.start()) {
        spdlog::critical("{}", *err);
        return EXIT_FAILURE;
    }
    server.run_until_signal();
    return EXIT_SUCCESS;
}
