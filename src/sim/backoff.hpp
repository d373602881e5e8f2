#pragma once
// Reconnect delays: the firmware retries about 1.5 s after losing the link;
// while the server stays away the delay doubles up to a cap, with jitter so a
// fleet that lost its server does not come back in one wave.
#include <cstdint>
#include <random>

#include "sim/profile.hpp"

namespace ptalk::sim {

class Backoff {
  public:
    struct Options {
        Millis base{1500};
        Millis max{30'000};
        double jitter = 0.25;  // each delay is scaled by a factor in [1 - jitter, 1 + jitter]
    };

    Backoff() = default;
    explicit Backoff(Options opt) : opt_(opt) {}

    // The delay before the next attempt; each call doubles the one after.
    [[nodiscard]] Millis next(std::mt19937_64& rng);
    // A connection succeeded: the next loss waits `base` again.
    void reset() noexcept { attempt_ = 0; }
    [[nodiscard]] unsigned attempt() const noexcept { return attempt_; }

  private:
    Options opt_;
    unsigned attempt_ = 0;
};

}  // namespace ptalk::sim
