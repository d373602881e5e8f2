#include "live/event_hub.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ptalk::live {

namespace asio = boost::asio;

Subscription::Subscription(asio::any_io_executor ex, EventMatch match, std::size_t limit)
    : ex_(ex), match_(std::move(match)), limit_(limit), timer_(ex) {}

asio::awaitable<void> Subscription::wait(std::chrono::milliseconds max_wait) {
    {
        std::lock_guard lk(mutex_);
        if (!buffer_.empty() || overflowed_ || closed_) co_return;
        // Set under the lock: a push after this posts a cancel that runs after
        // our async_wait started (both on ex_), so no wake-up is lost.
        timer_.expires_after(max_wait);
    }
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
}

Subscription::Batch Subscription::take() {
    Batch b;
    std::lock_guard lk(mutex_);
    b.events.assign(std::make_move_iterator(buffer_.begin()),
                    std::make_move_iterator(buffer_.end()));
    buffer_.clear();
    b.overflowed = overflowed_;
    b.closed = closed_;
    return b;
}

bool Subscription::push(const std::vector<const store::EventRecord*>& events) {
    bool wake_up = false;
    bool overflow = false;
    {
        std::lock_guard lk(mutex_);
        if (overflowed_ || closed_) return false;
        const bool was_empty = buffer_.empty();
        for (const auto* e : events) {
            if (!match_.matches(*e)) continue;
            if (buffer_.size() >= limit_) {
                overflowed_ = true;
                buffer_.clear();  // it resumes from the store; free the memory now
                break;
            }
            buffer_.push_back(*e);
        }
        overflow = overflowed_;
        wake_up = overflow || (was_empty && !buffer_.empty());
    }
    if (wake_up) wake();
    return overflow;
}

void Subscription::close() {
    {
        std::lock_guard lk(mutex_);
        closed_ = true;
    }
    wake();
}

void Subscription::wake() {
    // weak: the subscriber may be gone by the time this runs.
    asio::post(ex_, [w = weak_from_this()] {
        if (auto self = w.lock()) self->timer_.cancel();
    });
}

EventHub::EventHub(std::size_t per_subscriber_limit) : limit_(per_subscriber_limit) {}

std::shared_ptr<Subscription> EventHub::subscribe(asio::any_io_executor ex, EventMatch match) {
    auto s = std::make_shared<Subscription>(ex, std::move(match), limit_);
    std::lock_guard lk(mutex_);
    if (shut_)
        s->close();
    else
        subs_.push_back(s);
    return s;
}

void EventHub::unsubscribe(const std::shared_ptr<Subscription>& s) {
    std::lock_guard lk(mutex_);
    std::erase(subs_, s);
}

void EventHub::publish(const std::vector<store::EventRecord>& events) {
    published_.fetch_add(events.size(), std::memory_order_relaxed);
    if (!events.empty()) last_id_.store(events.back().id);  // oldest first, from one writer
    std::vector<const store::EventRecord*> ptrs;
    ptrs.reserve(events.size());
    for (const auto& e : events)
        ptrs.push_back(&e);
    std::vector<std::shared_ptr<Subscription>> subs;
    {
        std::lock_guard lk(mutex_);
        subs = subs_;
    }
    for (auto& s : subs) {
        if (s->push(ptrs)) {
            lagging_.fetch_add(1, std::memory_order_relaxed);
            unsubscribe(s);
        }
    }
}

void EventHub::shutdown() {
    std::vector<std::shared_ptr<Subscription>> subs;
    {
        std::lock_guard lk(mutex_);
        shut_ = true;
        subs.swap(subs_);
    }
    for (auto& s : subs)
        s->close();
}

std::size_t EventHub::subscribers() const {
    std::lock_guard lk(mutex_);
    return subs_.size();
}

}  // namespace ptalk::live
