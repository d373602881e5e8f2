#include "protocol/json_reader.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <boost/json/basic_parser_impl.hpp>

#include "protocol/utf8.hpp"

namespace ptalk::protocol {
namespace json = boost::json;
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = static_cast<unsigned char>(a[i]);
        auto y = static_cast<unsigned char>(b[i]);
        if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

// SAX handler that builds a DOM, dropping later duplicate keys.
class FirstWinsBuilder {
  public:
    // Bounds keep hostile input linear: duplicate checks scan an object's keys.
    static constexpr std::size_t max_array_size = 4096;
    static constexpr std::size_t max_object_size = 256;
    static constexpr std::size_t max_string_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = 1024;

    explicit FirstWinsBuilder(std::size_t max_depth) : max_depth_(max_depth) {}

    json::value take() { return std::move(result_); }
    [[nodiscard]] bool too_deep() const noexcept { return too_deep_; }

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_array_begin(json::error_code& ec) { return open(json::array{}, ec); }
    bool on_array_end(std::size_t, json::error_code&) { return close(); }
    bool on_object_begin(json::error_code& ec) { return open(json::object{}, ec); }
    bool on_object_end(std::size_t, json::error_code&) { return close(); }
    bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
        buf_.append(s.data(), s.size());
        return true;
    }
    bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
        buf_.append(s.data(), s.size());
        if (!valid_utf8(ec)) return false;
        put(json::string(buf_));
        buf_.clear();
        return true;
    }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        buf_.append(s.data(), s.size());
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
        buf_.append(s.data(), s.size());
        if (!valid_utf8(ec)) return false;
        frames_.back().key = buf_;
        buf_.clear();
        return true;
    }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t i, json::string_view, json::error_code&) { return put(i); }
    bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) { return put(u); }
    bool on_double(double d, json::string_view, json::error_code& ec) {
        // 1e400 reads as infinity, which serializes to "Infinity": not JSON.
        if (!std::isfinite(d)) {
            ec = error::out_of_range;
            return false;
        }
        return put(d);
    }
    bool on_bool(bool b, json::error_code&) { return put(b); }
    bool on_null(json::error_code&) { return put(nullptr); }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

  private:
    struct Frame {
        json::value container;
        std::string key;  // the pending key, for objects
    };

    bool open(json::value container, json::error_code& ec) {
        if (frames_.size() >= max_depth_) {
            too_deep_ = true;
            ec = json::error::too_deep;
            return false;
        }
        frames_.push_back({std::move(container), {}});
        return true;
    }
    // The parser lets invalid UTF-8 through (allow_invalid_utf8) so that it can
    // be told apart from other syntax errors here, where a string is complete.
    bool valid_utf8(json::error_code& ec) {
        if (detail::is_valid_utf8(buf_)) return true;
        ec = error::invalid_utf8;
        return false;
    }
    bool close() {
        json::value v = std::move(frames_.back().container);
        frames_.pop_back();
        return put(std::move(v));
    }
    bool put(json::value v) {
        if (frames_.empty()) {
            result_ = std::move(v);
            return true;
        }
        Frame& top = frames_.back();
        if (top.container.is_array()) {
            top.container.get_array().push_back(std::move(v));
            return true;
        }
        json::object& o = top.container.get_object();
        for (const auto& kv : o) {
            if (iequals(kv.key(), top.key)) return true;  // a later duplicate: dropped
        }
        o.emplace(top.key, std::move(v));
        return true;
    }

    std::size_t max_depth_;
    std::vector<Frame> frames_;
    std::string buf_;
    json::value result_;
    bool too_deep_ = false;
};

}  // namespace

result<json::value> read_json(std::string_view text, std::size_t max_depth) noexcept {
    try {
        json::parse_options opt;
        opt.max_depth = max_depth + 1;
        opt.allow_invalid_utf8 = true;  // checked by the handler, see valid_utf8()
        json::basic_parser<FirstWinsBuilder> p(opt, max_depth);
        json::error_code ec;
        p.write_some(false, text.data(), text.size(), ec);
        // Trailing bytes after a complete value are ignored, as the firmware does.
        if (p.done()) return p.handler().take();
        if (p.handler().too_deep() || ec == json::error::too_deep) return error::too_deep;
        if (ec == json::error::syntax || ec == json::error::extra_data || !ec)
            return error::invalid_json;
        if (ec == error::out_of_range) return error::out_of_range;
        if (ec == error::invalid_utf8 || ec == json::error::illegal_leading_surrogate ||
            ec == json::error::illegal_trailing_surrogate)
            return error::invalid_utf8;
        return error::invalid_json;
    } catch (...) {
        return error::invalid_json;  // allocation failure or a bound hit
    }
}

const json::value* find_key(const json::object& o, std::string_view key) noexcept {
    if (auto it = o.find(key); it != o.end()) return &it->value();
    for (const auto& kv : o) {
        if (iequals(kv.key(), key)) return &kv.value();
    }
    return nullptr;
}

}  // namespace ptalk::protocol
