#pragma once
// An ordered map from device id with a hash index beside it: the fleet pages
// and filters in id order (the map), while the hot path (a reply, a command,
// the API's lookup of one device) finds an entry in O(1) instead of comparing
// twelve-character ids down a red-black tree. Not thread-safe; the fleet locks.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace ptalk::fleet {

template <class V>
class IndexedMap {
    using Map = std::map<std::string, V, std::less<>>;

  public:
    using iterator = typename Map::iterator;
    using const_iterator = typename Map::const_iterator;

    [[nodiscard]] iterator find(std::string_view id) {
        auto it = index_.find(id);
        return it == index_.end() ? map_.end() : it->second;
    }
    [[nodiscard]] const_iterator find(std::string_view id) const {
        auto it = index_.find(id);
        return it == index_.end() ? map_.end() : const_iterator(it->second);
    }
    std::pair<iterator, bool> try_emplace(const std::string& id) {
        if (auto it = find(id); it != map_.end()) return {it, false};
        auto it = map_.try_emplace(id).first;
        index_.emplace(std::string_view(it->first), it);  // the map's key outlives the view
        return {it, true};
    }
    V& operator[](const std::string& id) { return try_emplace(id).first->second; }
    void erase(iterator it) {
        index_.erase(std::string_view(it->first));
        map_.erase(it);
    }

    [[nodiscard]] iterator begin() { return map_.begin(); }
    [[nodiscard]] iterator end() { return map_.end(); }
    [[nodiscard]] const_iterator begin() const { return map_.begin(); }
    [[nodiscard]] const_iterator end() const { return map_.end(); }
    [[nodiscard]] std::size_t size() const noexcept { return map_.size(); }

  private:
    Map map_;
    std::unordered_map<std::string_view, iterator> index_;
};

}  // namespace ptalk::fleet
