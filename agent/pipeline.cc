#include "agent/pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "agent/kafka_offsets.h"
#include "agent/kafka_sink.h"

namespace cdc::agent {

namespace {

// A stop request is honoured within 10 s: the final flush gets what is left
// of this budget after the reader has stopped.
constexpr auto kStopBudget = std::chrono::milliseconds(9000);
constexpr auto kProgressEvery = std::chrono::seconds(10);
// At least this long for reading the offsets topic at start.
constexpr int kOffsetsReadMs = 60000;

Status RestoreFromKafka(const AgentConfig& config, offsets::OffsetStore& store,
                        const std::atomic<bool>& stop) {
  const int timeout_ms = std::max(kOffsetsReadMs, config.kafka.delivery_timeout_ms);
  CDC_ASSIGN_OR_RETURN(CommittedOffsets kafka,
                       ReadCommittedOffsets(config.kafka, timeout_ms, &stop));
  CDC_ASSIGN_OR_RETURN(std::optional<offsets::Position> local, store.Load(config.source.name));
  Reconciliation r = Reconcile(kafka.position, local, config.kafka.offsets_topic);
  return ApplyReconciliation(r, kafka, store, config.source.name);
}

}  // namespace

Status RunPipeline(const AgentConfig& config, Source& source, offsets::OffsetStore& store,
                   const std::atomic<bool>& stop) {
  auto log = spdlog::default_logger();
  Status durable_error;
  offsets::Position last_durable;
  auto on_durable = [&](const offsets::Position& p) {
    if (!durable_error.ok()) return;
    Status s = store.Store(config.source.name, p);
    if (!s.ok()) {
      durable_error = s.WithContext("offsets");
      return;
    }
    last_durable = p;
    source.OnDurable(p);
  };
  CDC_ASSIGN_OR_RETURN(std::unique_ptr<KafkaSink> sink,
                       NewKafkaSink(config.kafka, on_durable, &stop));
  if (config.kafka.exactly_once) {
    // The sink has fenced any earlier producer of this agent, so what the
    // offsets topic holds now is final: the source resumes from it.
    CDC_RETURN_IF_ERROR(RestoreFromKafka(config, store, stop));
  }

  BatchQueue queue(static_cast<size_t>(config.queue_max_batches));
  std::atomic<bool> reader_stop{false};
  Status source_status;
  std::thread reader([&] {
    source_status = source.Run(queue, reader_stop);
    queue.Close();
  });

  Status sink_status;
  auto started = std::chrono::steady_clock::now();
  auto next_progress = started + kProgressEvery;
  uint64_t last_acked = 0;
  std::optional<std::chrono::steady_clock::time_point> stop_seen;
  while (true) {
    if (stop.load(std::memory_order_relaxed)) {
      reader_stop.store(true);
      if (!stop_seen) stop_seen = std::chrono::steady_clock::now();
    }
    std::optional<Batch> batch = queue.Pop(std::chrono::milliseconds(50));
    if (batch) {
      sink_status = sink->Send(std::move(*batch));
      if (!sink_status.ok()) break;
    }
    sink_status = sink->Poll(0);
    if (!sink_status.ok()) break;
    if (!durable_error.ok()) break;
    if (!batch && queue.closed_and_empty()) break;
    auto now = std::chrono::steady_clock::now();
    if (now >= next_progress) {
      uint64_t acked = sink->events_acked();
      double secs = std::chrono::duration<double>(kProgressEvery).count();
      log->info("published {} events ({:.0f}/s), {} in flight, durable at {}", acked,
                static_cast<double>(acked - last_acked) / secs, sink->in_flight(),
                last_durable.ToString());
      last_acked = acked;
      next_progress = now + kProgressEvery;
    }
  }
  reader_stop.store(true);
  queue.Close();
  reader.join();
  if (sink_status.ok() && durable_error.ok()) {
    // Whatever the reader handed over before it stopped is delivered, so its
    // position is stored and the next run does not replay it.
    while (auto rest = queue.Pop(std::chrono::milliseconds(0))) {
      sink_status = sink->Send(std::move(*rest));
      if (!sink_status.ok()) break;
    }
    auto budget = std::chrono::milliseconds(kStopBudget);
    if (stop_seen) {
      budget -= std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - *stop_seen);
    }
    int flush_ms = static_cast<int>(std::max<int64_t>(budget.count(), 100));
    if (sink_status.ok()) sink_status = sink->Flush(flush_ms);
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log->info("stopped: {} events published in {:.1f} s, durable at {}", sink->events_acked(),
            elapsed, last_durable.ToString());
  if (!durable_error.ok()) return durable_error;
  if (!sink_status.ok() && !source_status.ok() && !source_status.IsAborted()) {
    // Both ends failed: the source's error comes first, the sink's is kept.
    return Status::IOError(source_status.message() + "; and then " + sink_status.message(),
                           source_status.retryable());
  }
  if (!sink_status.ok()) return sink_status;
  return source_status;
}

}  // namespace cdc::agent
