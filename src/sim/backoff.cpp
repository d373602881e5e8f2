#include "sim/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace ptalk::sim {

Millis Backoff::next(std::mt19937_64& rng) {
    double delay = static_cast<double>(opt_.base.count()) *
                   std::ldexp(1.0, static_cast<int>(std::min(attempt_, 30u)));
    delay = std::min(delay, static_cast<double>(opt_.max.count()));
    if (attempt_ < 64) ++attempt_;
    double j = std::clamp(opt_.jitter, 0.0, 1.0);
    delay *= std::uniform_real_distribution<>(1.0 - j, 1.0 + j)(rng);
    return Millis(static_cast<Millis::rep>(std::max(0.0, delay)));
}

}  // namespace ptalk::sim
