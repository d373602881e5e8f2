#pragma once
// The stream under Beast's websocket::stream for a device: TCP, optionally TLS
// on top (chosen at run time, so one websocket type serves ws:// and wss://),
// and a FrameTracker that sees every decrypted byte read and may cut a read
// short (bytes the firmware loses). Writes pass straight through.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include <boost/asio/compose.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "sim/frame_tracker.hpp"

namespace ptalk::sim {

class FrameTap {
  public:
    using next_layer_type = boost::beast::tcp_stream;
    using executor_type = next_layer_type::executor_type;
    using tls_stream = boost::asio::ssl::stream<next_layer_type&>;

    explicit FrameTap(const executor_type& ex) : tcp_(ex) {}

    // Call after the TCP connect, before the TLS handshake.
    tls_stream& enable_tls(boost::asio::ssl::context& ctx) { return tls_.emplace(tcp_, ctx); }
    void set_tracker(FrameTracker* t) noexcept { tracker_ = t; }
    next_layer_type& next_layer() noexcept { return tcp_; }
    const next_layer_type& next_layer() const noexcept { return tcp_; }
    executor_type get_executor() noexcept { return tcp_.get_executor(); }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::beast::error_code, std::size_t)>(
            ReadOp<MutableBuffers>{this, buffers}, token, tcp_);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::beast::error_code, std::size_t)>(
            WriteOp<ConstBuffers>{this, buffers}, token, tcp_);
    }

  private:
    template <class MutableBuffers>
    struct ReadOp {
        FrameTap* tap;
        MutableBuffers buffers;
        bool started = false;

        template <class Self>
        void operator()(Self& self, boost::beast::error_code ec = {}, std::size_t n = 0) {
            if (!started) {
                started = true;
                if (tap->tls_) return tap->tls_->async_read_some(buffers, std::move(self));
                return tap->tcp_.async_read_some(buffers, std::move(self));
            }
            if (tap->tracker_ != nullptr && n > 0) n = tap->observe(buffers, n);
            self.complete(ec, n);
        }
    };

    template <class ConstBuffers>
    struct WriteOp {
        FrameTap* tap;
        ConstBuffers buffers;
        bool started = false;

        template <class Self>
        void operator()(Self& self, boost::beast::error_code ec = {}, std::size_t n = 0) {
            if (!started) {
                started = true;
                if (tap->tls_) return tap->tls_->async_write_some(buffers, std::move(self));
                return tap->tcp_.async_write_some(buffers, std::move(self));
            }
            self.complete(ec, n);
        }
    };

    template <class MutableBuffers>
    std::size_t observe(const MutableBuffers& buffers, std::size_t n) {
        std::size_t seen = 0;
        for (auto b : boost::beast::buffers_range_ref(buffers)) {
            if (seen == n) break;
            auto len = std::min(b.size(), n - seen);
            std::span<const std::uint8_t> bytes(static_cast<const std::uint8_t*>(b.data()), len);
            auto kept = tracker_->on_read(bytes);
            seen += kept;
            if (kept < len) break;  // the rest of this read is lost
        }
        return seen;
    }

    next_layer_type tcp_;
    std::optional<tls_stream> tls_;
    FrameTracker* tracker_ = nullptr;
};

// Beast ends a connection through the TCP layer: like the device, no TLS close_notify.
inline void teardown(boost::beast::role_type role, FrameTap& s, boost::beast::error_code& ec) {
    using boost::beast::websocket::teardown;
    teardown(role, s.next_layer().socket(), ec);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, FrameTap& s, TeardownHandler&& handler) {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, s.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace ptalk::sim
