#pragma once
// Giving freed heap memory back to the system.
//
// A storm of connections (a fleet powering on, a server restart) allocates a
// few KiB per connection for the HTTP upgrade and frees it a moment later.
// The allocator keeps those pages for a while. ptalkd is linked with jemalloc,
// whose size classes keep such memory apart from the devices' long-lived
// sessions; this hands its unused dirty pages back at once. Under glibc's
// malloc (a build without jemalloc) it trims every whole free page instead.
namespace ptalk::core {

// jemalloc's arena purge, or glibc's malloc_trim(0). Safe from any thread.
void release_free_memory() noexcept;

}  // namespace ptalk::core
