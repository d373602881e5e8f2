#pragma once
// A pass-through stream layer under Beast's websocket::stream that shows every
// byte read to a FrameTracker (which may cut a read short: bytes the firmware
// loses). Writes pass straight through. Works over TCP or TLS alike.
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include <boost/asio/compose.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "sim/frame_tracker.hpp"

namespace ptalk::sim {

template <class NextLayer>
class FrameTap {
  public:
    using next_layer_type = NextLayer;
    using executor_type = typename NextLayer::executor_type;

    template <class... Args>
    explicit FrameTap(Args&&... args) : next_(std::forward<Args>(args)...) {}

    void set_tracker(FrameTracker* t) noexcept { tracker_ = t; }
    NextLayer& next_layer() noexcept { return next_; }
    const NextLayer& next_layer() const noexcept { return next_; }
    executor_type get_executor() noexcept { return next_.get_executor(); }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::beast::error_code, std::size_t)>(
            ReadOp<MutableBuffers>{this, buffers}, token, next_);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return next_.async_write_some(buffers, std::forward<Token>(token));
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
                tap->next_.async_read_some(buffers, std::move(self));
                return;
            }
            if (tap->tracker_ != nullptr && n > 0) n = tap->observe(buffers, n);
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

    NextLayer next_;
    FrameTracker* tracker_ = nullptr;
};

// Beast closes the connection through the layer below the tap.
template <class NextLayer>
void teardown(boost::beast::role_type role, FrameTap<NextLayer>& s, boost::beast::error_code& ec) {
    using boost::beast::websocket::teardown;
    teardown(role, s.next_layer(), ec);
}

template <class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, FrameTap<NextLayer>& s,
                    TeardownHandler&& handler) {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, s.next_layer(), std::forward<TeardownHandler>(handler));
}

}  // namespace ptalk::sim
