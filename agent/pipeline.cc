#include "agent/pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "agent/batch_encoder.h"
#include "agent/dispatch.h"
#include "agent/fresh_start.h"
#include "agent/transform_state.h"
#include "agent/kafka_offsets.h"
#include "agent/kafka_sink.h"
#include "common/thread_name.h"

namespace cdc::agent {

namespace {

// A stop request is honoured within 10 s: the final flush gets what is left
// of this budget after the reader has stopped.
constexpr auto kStopBudget = std::chrono::milliseconds(9000);
constexpr auto kProgressEvery = std::chrono::seconds(10);
// At least this long for reading the offsets topic at start.
constexpr int kOffsetsReadMs = 60000;

// With `kafka_states`, also the names of the states Kafka holds.
Status RestoreFromKafka(const AgentConfig& config, offsets::OffsetStore& store,
                        const std::atomic<bool>& stop,
                        std::set<std::string>* kafka_states = nullptr) {
  const int timeout_ms = std::max(kOffsetsReadMs, config.kafka.delivery_timeout_ms);
  CDC_ASSIGN_OR_RETURN(CommittedOffsets kafka,
                       ReadCommittedOffsets(config.kafka, timeout_ms, &stop));
  if (kafka_states != nullptr) {
    for (const auto& [name, value] : kafka.states) kafka_states->insert(name);
  }
  CDC_ASSIGN_OR_RETURN(std::optional<offsets::Position> local, store.Load(config.source.name));
  if (kafka.reset && local) {
    // `offsets reset` ran after this copy was written (on another node, or
    // with another offsets.path): it is stale.
    spdlog::default_logger()->warn(
        "offsets: offsets.path holds {}, but Kafka topic {} records an `offsets reset` since: "
        "starting over",
        local->ToString(), config.kafka.offsets_topic);
    CDC_RETURN_IF_ERROR(store.Reset(config.source.name).WithContext("offsets.path"));
    local.reset();
  }
  Reconciliation r = Reconcile(kafka.position, local, config.kafka.offsets_topic);
  CDC_RETURN_IF_ERROR(ApplyReconciliation(r, kafka, store, config.source.name));
  // `offsets reset` of an agent whose offsets.path was then lost, or that
  // runs on another node: the tombstone in Kafka still says start over.
  if (kafka.reset && !r.position) {
    CDC_RETURN_IF_ERROR(MarkStartOver(store, config.source.name).WithContext("offsets.path"));
  }
  return Status::OK();
}

}  // namespace

void SetTransformCheck(const AgentConfig& config, Source& source, CheckedTables* checked) {
  if (config.transforms.empty()) return;
  source.SetShapeCheck([&config, checked](const TableShapePtr& shape) -> Status {
    checked->Add(shape);
    return CompileTableChain(config.transforms, shape).status();
  });
  source.SetShapesChecked([&config, checked] { return CheckJoinSources(config, *checked); });
}

Status CheckJoinSources(const AgentConfig& config, const CheckedTables& checked) {
  for (const transform::TransformSpec& t : config.transforms) {
    if (t.kind != transform::TransformSpec::Kind::kJoin) continue;
    TableShapePtr from = checked.Find(t.join_from);
    if (from == nullptr) {
      return Status::InvalidArgument(
          t.label + ": table " + t.join_from +
          " is not captured by this agent, and a lookup join reads its rows from its own "
          "changes; capture it (source.tables, or the publication) or fix from");
    }
    CDC_RETURN_IF_ERROR(JoinState::CheckFrom(*from, t));
  }
  return Status::OK();
}

Status RunPipeline(const AgentConfig& config, Source& source, offsets::OffsetStore& store,
                   const std::atomic<bool>& stop) {
  auto log = spdlog::default_logger();
  Status durable_error;
  offsets::Position last_durable;
  bool first_durable = true;
  // What lookup joins and aggregates keep, made durable with the position.
  std::unique_ptr<TransformState> transform_state = TransformState::For(config, &store);
  auto on_durable = [&](const offsets::Position& p, uint64_t batches) {
    if (!durable_error.ok()) return;
    // The transforms' state of the durable batches goes with the position,
    // in one write.
    uint64_t seq = 0;
    std::vector<offsets::StateChange> changes;
    if (transform_state) changes = transform_state->journal.TakeDurable(batches, &seq);
    if (!first_durable && p == last_durable && changes.empty()) return;
    Status s = changes.empty() ? store.Store(config.source.name, p)
                               : store.StoreWith(config.source.name, p, changes);
    if (s.ok() && transform_state) transform_state->journal.Retire(changes, seq);
    if (!s.ok()) {
      durable_error = s.WithContext("offsets");
      return;
    }
    if (first_durable) {
      first_durable = false;
      s = ClearStartOver(store, config.source.name);
      if (!s.ok()) {
        durable_error = s.WithContext("offsets");
        return;
      }
    }
    last_durable = p;
    source.OnDurable(p);
  };
  CDC_ASSIGN_OR_RETURN(std::unique_ptr<KafkaSink> sink,
                       NewKafkaSink(config.kafka, on_durable, &stop));
  if (config.kafka.exactly_once) {
    // The sink has fenced any earlier producer of this agent, so what the
    // offsets topic holds now is final: the source resumes from it.
    std::set<std::string> kafka_states;
    CDC_RETURN_IF_ERROR(RestoreFromKafka(config, store, stop, &kafka_states));
    if (transform_state) {
      // Transform state that Kafka lacks (kept while delivery was at least
      // once) goes there with the first transaction: from then on, what
      // Kafka does not hold has been removed.
      CDC_RETURN_IF_ERROR(transform_state->FindUnsent(store, config.source.name, kafka_states));
    }
    source.SetPositionReload([&] { return RestoreFromKafka(config, store, stop); });
  }

  CheckedTables checked;
  SetTransformCheck(config, source, &checked);
  if (transform_state && transform_state->joins) {
    source.SetSnapshotFirst(transform_state->joins->Tables());
  }

  // Three threads: the source's reader; the dispatcher and encoder (the
  // table's transforms, topic and key, then each event's Kafka message);
  // and this one, the sink's (produce, commit). An exactly-once commit
  // holds this thread; the encoder goes on meanwhile.
  BatchQueue queue(static_cast<size_t>(config.queue_max_batches));
  BoundedQueue<EncodedBatch> encoded(static_cast<size_t>(config.queue_max_batches));
  std::atomic<bool> reader_stop{false};
  // Ends the encoder's retries (an unreachable schema registry) at a stop,
  // or once the sink has failed.
  std::atomic<bool> encoder_stop{false};
  Status source_status;
  std::thread reader([&] {
    NameThisThread("cdc-reader");
    source_status = source.Run(queue, reader_stop);
    queue.Close();
  });
  Status encoder_status;
  std::thread encoder([&] {
    NameThisThread("cdc-encoder");
    Dispatcher dispatcher(config, transform_state.get());
    BatchEncoder batch_encoder(config.kafka);
    encoder_status = batch_encoder.Open();
    while (encoder_status.ok()) {
      std::optional<Batch> batch = queue.Pop(std::chrono::milliseconds(100));
      if (!batch) {
        if (queue.closed_and_empty()) break;
        continue;
      }
      encoder_status = dispatcher.Apply(&*batch);
      if (!encoder_status.ok()) break;
      Result<EncodedBatch> e = batch_encoder.Encode(std::move(*batch), &encoder_stop);
      if (!e.ok()) {
        encoder_status = e.status();
        break;
      }
      if (!encoded.Push(std::move(*e))) break;  // the sink stopped
    }
    if (!encoder_status.ok()) {
      // Nothing after the batch that failed may be sent.
      reader_stop.store(true);
      queue.Close();
    }
    encoded.Close();
  });

  Status sink_status;
  auto started = std::chrono::steady_clock::now();
  auto next_progress = started + kProgressEvery;
  uint64_t last_acked = 0;
  std::optional<std::chrono::steady_clock::time_point> stop_seen;
  while (true) {
    if (stop.load(std::memory_order_relaxed)) {
      reader_stop.store(true);
      encoder_stop.store(true);
      if (!stop_seen) stop_seen = std::chrono::steady_clock::now();
    }
    std::optional<EncodedBatch> batch = encoded.Pop(std::chrono::milliseconds(50));
    if (batch) {
      sink_status = sink->Send(std::move(*batch));
      if (!sink_status.ok()) break;
    }
    sink_status = sink->Poll(0);
    if (!sink_status.ok()) break;
    if (!durable_error.ok()) break;
    if (!batch && encoded.closed_and_empty()) break;
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
  if (!sink_status.ok() || !durable_error.ok()) encoder_stop.store(true);
  queue.Close();
  reader.join();
  encoded.Close();
  encoder.join();
  if (sink_status.ok() && durable_error.ok() && encoder_status.ok()) {
    // Whatever the reader handed over before it stopped is delivered, so its
    // position is stored and the next run does not replay it.
    while (auto rest = encoded.Pop(std::chrono::milliseconds(0))) {
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
  } else {
    sink->ReportAcknowledged();
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log->info("stopped: {} events published in {:.1f} s, durable at {}", sink->events_acked(),
            elapsed, last_durable.ToString());
  if (config.kafka.exactly_once) {
    log->info("{} Kafka transactions committed, {:.1f} s waiting for their commits",
              sink->commits(), static_cast<double>(sink->commit_wait().count()) / 1000.0);
  }
  if (!durable_error.ok()) return durable_error;
  if (!encoder_status.ok()) return encoder_status;
  if (!sink_status.ok() && !source_status.ok() && !source_status.IsAborted()) {
    // Both ends failed: the source's error comes first, the sink's is kept.
    return Status::IOError(source_status.message() + "; and then " + sink_status.message(),
                           source_status.retryable());
  }
  if (!sink_status.ok()) return sink_status;
  return source_status;
}

}  // namespace cdc::agent
