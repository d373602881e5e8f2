#include "core/memory.hpp"

#include <cstddef>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// jemalloc's control interface, present when ptalkd is linked with jemalloc
// (apps/ptalkd/CMakeLists.txt); a weak reference, null otherwise.
extern "C" int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp,
                       std::size_t newlen) __attribute__((weak));

namespace ptalk::core {

void release_free_memory() noexcept {
    if (mallctl != nullptr) {
        // MALLCTL_ARENAS_ALL is 4096: purge the unused dirty pages of every arena.
        mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
        return;
    }
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

}  // namespace ptalk::core
