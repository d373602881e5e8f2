#include "sim/ota_receiver.hpp"

#include <algorithm>

#include "protocol/ota_chunk.hpp"

namespace ptalk::sim {
namespace proto = ptalk::protocol;

void OtaReceiver::begin(OtaRequest request) {
    request_ = std::move(request);
    next_seq_ = 0;
    faulted_seq_.reset();
    if (!receiving_ && !broken_) {
        opened_ = false;
        written_ = 0;
        prefix_.clear();
        hash_.reset();
    }
    receiving_ = true;
}

ChunkResult OtaReceiver::on_chunk(std::span<const std::uint8_t> frame) {
    ChunkResult r;
    auto chunk = proto::decode_chunk(frame);
    r.seq = chunk.seq;
    if (!chunk.seq) return r;  // unreadable: no seq to nack
    const std::uint32_t seq = *chunk.seq;
    if (chunk.error || seq > next_seq_) {
        r.verdict = ChunkVerdict::nacked;
        r.reply = proto::encode_ota_nack(seq);
        return r;
    }
    if (seq < next_seq_) {
        r.verdict = ChunkVerdict::duplicate;
        r.reply = proto::encode_ota_ack(seq);
        return r;
    }
    if (opt_.nack_every > 0 && (seq + 1) % opt_.nack_every == 0 && faulted_seq_ != seq) {
        faulted_seq_ = seq;
        r.verdict = ChunkVerdict::nacked;
        r.reply = proto::encode_ota_nack(seq);
        return r;
    }
    r.first_write = !opened_;
    opened_ = true;
    append(chunk.data);
    ++next_seq_;
    r.verdict = ChunkVerdict::written;
    r.reply = proto::encode_ota_ack(seq);
    return r;
}

void OtaReceiver::append(std::span<const std::uint8_t> data) {
    if (prefix_.size() < proto::esp_image_prefix_bytes) {
        auto take = std::min(data.size(), proto::esp_image_prefix_bytes - prefix_.size());
        prefix_.insert(prefix_.end(), data.begin(),
                       data.begin() + static_cast<std::ptrdiff_t>(take));
    }
    if (!hash_) hash_ = std::make_unique<proto::Sha256>();
    if (opt_.corrupt_writes && !data.empty()) {
        std::vector<std::uint8_t> bad(data.begin(), data.end());
        bad[0] ^= 0x01;
        hash_->update(bad);
    } else {
        hash_->update(data);
    }
    written_ += data.size();
}

OtaVerdict OtaReceiver::complete() {
    OtaVerdict v;
    receiving_ = false;
    if (written_ != request_.size) {
        v.reason =
            "size " + std::to_string(written_) + " != offered " + std::to_string(request_.size);
    } else if (auto info = proto::inspect_firmware_image(prefix_, written_, opt_.partition_bytes);
               !info) {
        v.reason = "image rejected: " + info.error().message();
    } else if (opt_.verify_sha256 && request_.sha256 && hash_ &&
               hash_->hex_digest() != *request_.sha256) {
        v.reason = "sha256 mismatch";
    } else {
        v.ok = true;
        v.version = info->version;
    }
    hash_.reset();
    if (!v.ok) broken_ = true;
    return v;
}

void OtaReceiver::cut_off() {
    if (receiving_) broken_ = true;
    receiving_ = false;
}

void OtaReceiver::reboot() {
    *this = OtaReceiver(opt_);
}

}  // namespace ptalk::sim
