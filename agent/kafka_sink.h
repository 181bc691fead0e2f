// KafkaSink: publishes batches of change events with librdkafka and reports,
// in order, the source positions that have become durable.
//
// Thread: every method runs on the one sink thread, which owns librdkafka
// (produce, poll, flush). The durable callback is invoked from Poll/Flush on
// that same thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/batch.h"
#include "agent/batch_encoder.h"
#include "agent/config.h"
#include "common/status.h"
#include "offsets/position.h"

namespace cdc::agent {

class KafkaSink {
 public:
  // `position` is durable, and so is every batch up to the `batches`-th sent
  // (counted from 1, in the order Send got them): their states too.
  using DurableCallback = std::function<void(const offsets::Position& position, uint64_t batches)>;

  virtual ~KafkaSink() = default;

  // Serializes and produces every event of `batch` (value = ChangeEvent,
  // key = RowKey or null; a tombstone after each delete when configured).
  // Blocks (serving delivery reports) while librdkafka's queue is full.
  // Returns a non-retryable error once any message has failed delivery: the
  // caller must stop without storing positions, so the source replays.
  virtual Status Send(Batch batch) = 0;
  // The same for a batch a BatchEncoder has encoded (on another thread).
  virtual Status Send(EncodedBatch batch) = 0;

  // Serves delivery reports for up to `timeout_ms`. When every event of a
  // batch with an end_position and of all batches before it is acknowledged,
  // that position becomes durable: at least once, the callback gets the
  // latest such position at most every commit_interval_ms (positions only
  // move forward); exactly once, each commit's position as it commits.
  virtual Status Poll(int timeout_ms) = 0;

  // Waits until everything sent is acknowledged (or `timeout_ms` passes:
  // IOError, retryable) and reports the resulting durable position.
  virtual Status Flush(int timeout_ms) = 0;

  // At least once: reports the latest acknowledged position now, for a stop
  // that does not Flush (after a failure), so that what Kafka has is not
  // sent again at the next start. Nothing exactly once.
  virtual void ReportAcknowledged() = 0;

  // Number of events sent but not yet acknowledged.
  virtual uint64_t in_flight() const = 0;
  // Totals since creation.
  virtual uint64_t events_acked() const = 0;
  // Exactly once: Kafka transactions committed, and the time spent waiting
  // for their commits (in which the sink sends nothing).
  virtual uint64_t commits() const = 0;
  virtual std::chrono::milliseconds commit_wait() const = 0;
};

// Creates a producer for `config`: compression lz4 and linger 10 ms unless
// config.properties say otherwise, then enable.idempotence=true and acks=all,
// which no property overrides. An invalid property is an InvalidArgument
// naming the key and librdkafka's message.
//
// `stop` (optional, must outlive the sink): once it is true, a Send blocked
// on a full producer queue gives up after kStopGraceMs with a retryable
// IOError, so a stop request is honoured even when the brokers are down.
inline constexpr int kStopGraceMs = 7000;
Result<std::unique_ptr<KafkaSink>> NewKafkaSink(const KafkaConfig& config,
                                                KafkaSink::DurableCallback on_durable,
                                                const std::atomic<bool>* stop = nullptr);

// Checks that a broker of `brokers` answers a metadata request within
// `timeout_ms`. IOError with a one-line fix otherwise.
Status CheckKafkaReachable(const KafkaConfig& config, int timeout_ms);

}  // namespace cdc::agent
