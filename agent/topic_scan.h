// Reading an event topic back: the end of each partition, and the keys a new
// snapshot did not write again. Taken before a snapshot, the ends split each
// partition in two: records below the end were published before the
// snapshot, records at or above it by the snapshot (and the stream after
// it). A key whose row existed before the snapshot and that the snapshot
// did not write again names a row the source no longer has.
//
// Records are classified by the agent's own markers (agent/event_encoder.h):
// a null value (a tombstone) or a "cdc-op: delete" header ends a row; a
// "cdc-op: truncate" record ends every row of its partition published before
// it; any other record with a key says its row exists.
//
// Thread: any. Each call makes its own short-lived Kafka clients from
// config.brokers and config.properties (security settings among them);
// `stop`, which may be null, may be set from another thread and makes the
// call return Aborted soon after.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "agent/config.h"
#include "common/status.h"

namespace cdc::agent {

// The end offset (the high watermark: records of transactions still open
// count) of every partition of `topic`, by partition; empty when the topic
// does not exist. Never creates the topic: it is looked for in the metadata
// of all topics, which a broker with auto.create.topics.enable does not
// answer by creating it.
//
// Cost: one metadata request, and one offsets request per partition.
// Errors: InvalidArgument for a bad kafka.properties entry; a retryable
// IOError when the brokers do not answer within `timeout_ms`; Aborted once
// `stop` is set.
Result<std::map<int32_t, int64_t>> TopicEndOffsets(const KafkaConfig& config,
                                                   const std::string& topic, int timeout_ms,
                                                   const std::atomic<bool>* stop = nullptr);

// A key found in a topic: its bytes as written, and its partition.
struct TopicKey {
  std::string bytes;
  int32_t partition = 0;
};

// The keys of `topic` that a new snapshot did not touch, each with the
// partition it lies in (a key may lie in two when partitions were added):
// the keys whose last record at an offset below marks[partition] says the
// row exists, and that have no record at or above the mark of their
// partition, nor any record in a partition without a mark (added since the
// marks were taken), in any partition. Keys are compared as the row's
// identity: with a schema registry without their Confluent header, whose
// schema id changes with the schema. `marks` is what TopicEndOffsets
// returned before the snapshot began. The topic is read with read_committed
// (records of aborted transactions do not count) from its start to the end
// each partition has when the call begins; records published after that are
// not seen. Records with a null key are passed over; a truncate record is
// not a row of its own, and ends every row of its partition before it when
// it lies before the mark.
//
// NotSupported when a partition now ends before its mark (the topic was
// re-created or truncated since): the offsets no longer tell before from
// after.
//
// Cost: reads every partition to its end; when some keys qualify, reads
// their partitions a second time up to the marks, to collect their bytes.
// Memory: about 16 bytes per key (64-bit hashes in open-addressing tables)
// live at a mark and per key written since, plus the keys returned. Two keys
// with the same 64-bit hash count as one (for 10^7 keys, a chance of about
// 3 in 10^6). `tick`, when set, is called about once a second (a source
// keeps its database connection alive with it); its error ends the read.
//
// Errors: InvalidArgument for a bad kafka.properties entry; Aborted once
// `stop` is set; a retryable IOError when the brokers fail or no record
// comes for `idle_ms` before the end (a transaction still open on the topic
// holds the read until it ends).
Result<std::vector<TopicKey>> UntouchedLiveKeys(const KafkaConfig& config,
                                                const std::string& topic,
                                                const std::map<int32_t, int64_t>& marks,
                                                int idle_ms, const std::atomic<bool>* stop = nullptr,
                                                const std::function<Status()>& tick = {});

}  // namespace cdc::agent
