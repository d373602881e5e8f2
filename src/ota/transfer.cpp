#include "ota/transfer.hpp"

#include <algorithm>

#include "protocol/ota_chunk.hpp"

namespace ptalk::ota {

std::string_view to_string(TransferEnd e) noexcept {
    switch (e) {
        case TransferEnd::restarting:
            return "restarting";
        case TransferEnd::not_installed:
            return "not_installed";
        case TransferEnd::refused:
            return "refused";
        case TransferEnd::failed:
            return "failed";
        case TransferEnd::interrupted:
            return "interrupted";
        case TransferEnd::busy:
            return "busy";
        case TransferEnd::offline:
            return "offline";
        case TransferEnd::shutdown:
            return "shutdown";
    }
    return "?";
}

bool leaves_updater_open(TransferEnd e) noexcept {
    return e == TransferEnd::not_installed || e == TransferEnd::failed ||
           e == TransferEnd::interrupted || e == TransferEnd::shutdown;
}

protocol::OtaOffer make_offer(std::string version, std::string sha256, std::uint64_t size,
                              std::uint32_t chunk_size) {
    chunk_size = std::clamp<std::uint32_t>(
        chunk_size, 1, static_cast<std::uint32_t>(protocol::max_chunk_data_bytes));
    return {std::move(version), size, std::move(sha256), chunk_size,
            protocol::total_chunks(size, chunk_size)};
}

}  // namespace ptalk::ota
