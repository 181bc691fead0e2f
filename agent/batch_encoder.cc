#include "agent/batch_encoder.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "agent/kafka_common.h"

namespace cdc::agent {

void EncodedBatch::HeaderViews(size_t begin, size_t end, std::vector<HeaderView>* out) const {
  out->clear();
  for (size_t i = begin; i < end; ++i) {
    const Header& h = headers[i];
    const std::string_view name =
        h.name_size > 0 ? std::string_view(bytes.data() + h.name_begin, h.name_size) : h.name;
    out->push_back({name, std::string_view(bytes.data() + h.begin, h.size)});
  }
}

BatchEncoder::BatchEncoder(const KafkaConfig& config) : config_(config), encoder_(config_) {}

Result<EncodedBatch> BatchEncoder::Encode(Batch batch, const std::atomic<bool>* stop) {
  EncodedBatch out;
  out.messages.reserve(batch.events.size());
  out.headers.reserve(batch.events.size() * 5);
  // Room for as many bytes per event as the last batch had, so that the
  // bytes are not moved as they grow.
  out.bytes.reserve(batch.events.size() * bytes_per_event_);
  for (const OutEvent& event : batch.events) {
    // The value goes straight into the batch's bytes, the key after it.
    EncodedBatch::Message m;
    m.value_begin = out.bytes.size();
    Result<bool> encoded = EncodeAt(event, m.value_begin, &out.bytes);
    if (!encoded.ok() && encoded.status().retryable()) {
      encoded = RetryEncode(event, std::move(encoded), stop, m.value_begin, &out.bytes);
    }
    if (!encoded.ok()) return encoded.status();
    m.value_size = out.bytes.size() - m.value_begin;
    if (out.topics.empty() || out.topics.back() != event.topic) {
      // Events of one table come in runs; a batch has few topics.
      auto it = std::find(out.topics.begin(), out.topics.end(), event.topic);
      if (it == out.topics.end()) it = out.topics.insert(out.topics.end(), event.topic);
      m.topic = static_cast<size_t>(it - out.topics.begin());
    } else {
      m.topic = out.topics.size() - 1;
    }
    m.is_delete = event.event.op() == cdc::v1::OP_DELETE;
    m.partition = event.partition;
    m.every_partition = event.event.op() == cdc::v1::OP_TRUNCATE && !event.has_key;
    m.has_key = *encoded;
    m.key_begin = out.bytes.size();
    if (m.has_key) {
      m.key_size = key_buf_.size();
      out.bytes += key_buf_;
    }
    m.headers_begin = out.headers.size();
    for (const auto& [name, value] : encoder_.Headers(event)) {
      out.headers.push_back({name, out.bytes.size(), value.size()});
      out.bytes += value;
    }
    for (const auto& [name, value] : event.extra_headers) {
      // Names that are not the encoder's constants live in the bytes too.
      EncodedBatch::Header h;
      h.name_begin = out.bytes.size();
      h.name_size = name.size();
      out.bytes += name;
      h.begin = out.bytes.size();
      h.size = value.size();
      out.bytes += value;
      out.headers.push_back(h);
    }
    m.headers_end = out.headers.size();
    out.messages.push_back(m);
  }
  if (!batch.events.empty()) {
    // Capped: a batch of one large row must not make the next batch reserve
    // as much for each of its events.
    bytes_per_event_ =
        std::min(out.bytes.size() / batch.events.size() + 16, kMaxReservedBytesPerEvent);
  }
  out.tombstone_headers_begin = out.headers.size();
  for (const auto& [name, value] : encoder_.TombstoneHeaders()) {
    out.headers.push_back({name, out.bytes.size(), value.size()});
    out.bytes += value;
  }
  out.tombstone_headers_end = out.headers.size();
  out.end_position = std::move(batch.end_position);
  out.states = std::move(batch.states);
  if (batch.pool) {
    batch.pool->Recycle(&batch.events, [&](size_t i) {
      const cdc::v1::ChangeEvent& e = batch.events[i].event;
      return static_cast<size_t>(e.before_size() + e.after_size()) <= kRecycleMaxColumns;
    });
  }
  return out;
}

Result<bool> BatchEncoder::EncodeAt(const OutEvent& out, size_t value_begin,
                                    std::string* bytes) {
  bytes->resize(value_begin);
  key_buf_.clear();
  return encoder_.Encode(out, bytes, &key_buf_);
}

Result<bool> BatchEncoder::RetryEncode(const OutEvent& out, Result<bool> encoded,
                                       const std::atomic<bool>* stop, size_t value_begin,
                                       std::string* bytes) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::milliseconds(config_.delivery_timeout_ms);
  int wait_ms = 500;
  while (!encoded.ok() && encoded.status().retryable()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline || (stop != nullptr && stop->load())) {
      return Status::IOError(
          encoded.status().message() + " (for " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - start).count()) +
              " s; no position was stored past the events not sent)",
          /*retryable=*/true);
    }
    KafkaLogger()->warn("{}; trying again in {} ms", encoded.status().message(), wait_ms);
    const auto until = now + std::chrono::milliseconds(wait_ms);
    while (std::chrono::steady_clock::now() < until && !(stop != nullptr && stop->load())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    wait_ms = std::min(wait_ms * 2, 10000);
    encoded = EncodeAt(out, value_begin, bytes);
  }
  return encoded;
}

}  // namespace cdc::agent
