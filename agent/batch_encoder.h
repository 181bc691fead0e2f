// BatchEncoder: turns a Batch into the bytes of its Kafka messages on a
// thread of its own, so that the sink thread only produces and commits. An
// exactly-once sink waits for each Kafka transaction's commit; meanwhile the
// next batches are encoded.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/batch.h"
#include "agent/config.h"
#include "agent/event_encoder.h"
#include "common/status.h"

namespace cdc::agent {

// One message header; both views point into storage the batch owns (names
// are the encoder's constants).
struct HeaderView {
  std::string_view name;
  std::string_view value;
};

// A batch as the key, value and headers of each event's message, with what
// the sink needs of the events (their topic, a delete, a TRUNCATE for every
// partition). The events themselves are freed on the encoder's thread.
struct EncodedBatch {
  struct Message {
    size_t topic = 0;  // into `topics`
    bool is_delete = false;       // a tombstone may follow
    bool every_partition = false;  // a TRUNCATE of a table without a key
    int32_t partition = -1;        // -1: by key
    size_t key_begin = 0;
    size_t key_size = 0;
    size_t value_begin = 0;
    size_t value_size = 0;
    size_t headers_begin = 0;  // into `headers`
    size_t headers_end = 0;
    bool has_key = false;  // false: a null key (a table without a primary key)
  };
  // Where a header's value lies in `bytes`; its name is `name` (one of the
  // encoder's constants) or, when name_size > 0, in `bytes` too.
  struct Header {
    std::string_view name;
    size_t begin = 0;
    size_t size = 0;
    size_t name_begin = 0;
    size_t name_size = 0;
  };

  std::vector<std::string> topics;
  std::vector<Message> messages;  // one per event, in order
  std::vector<Header> headers;
  std::string bytes;  // every key, value and header value, one after another
  // The headers of a tombstone (content-type alone), in `headers`.
  size_t tombstone_headers_begin = 0;
  size_t tombstone_headers_end = 0;
  // As the Batch had them.
  std::optional<offsets::Position> end_position;
  std::vector<std::pair<std::string, std::string>> states;

  std::string_view Key(const Message& m) const { return {bytes.data() + m.key_begin, m.key_size}; }
  std::string_view Value(const Message& m) const {
    return {bytes.data() + m.value_begin, m.value_size};
  }
  // Sets `out` to headers[begin, end).
  void HeaderViews(size_t begin, size_t end, std::vector<HeaderView>* out) const;
};

class BatchEncoder {
 public:
  explicit BatchEncoder(const KafkaConfig& config);

  // See EventEncoder::Open.
  Status Open() { return encoder_.Open(); }

  // Encodes every event of `batch`. A retryable failure (the schema registry
  // is unreachable) is tried again, with a growing pause, for up to
  // kafka.delivery_timeout_ms or until `stop`; then, and for any other
  // failure, the error (nothing of the batch is sent, so no position is
  // stored past it). The events go back to the batch's pool, if it has
  // one, except those of more than kRecycleMaxColumns columns (before and
  // after), whose cleared columns would hold too much memory while pooled.
  Result<EncodedBatch> Encode(Batch batch, const std::atomic<bool>* stop);

  static constexpr size_t kRecycleMaxColumns = 64;
  // The most bytes per event reserved ahead for a batch's buffer.
  static constexpr size_t kMaxReservedBytesPerEvent = 4096;

 private:
  // Encodes `out`: its value into `bytes` from `value_begin` on (what a
  // failed try left there is cut first), its key into key_buf_.
  Result<bool> EncodeAt(const OutEvent& out, size_t value_begin, std::string* bytes);
  // Encodes `out` again (EncodeAt) until it succeeds.
  Result<bool> RetryEncode(const OutEvent& out, Result<bool> encoded,
                           const std::atomic<bool>* stop, size_t value_begin,
                           std::string* bytes);

  const KafkaConfig config_;
  EventEncoder encoder_;
  std::string key_buf_;
  size_t bytes_per_event_ = 256;  // the last batch's, and a little more
};

}  // namespace cdc::agent
