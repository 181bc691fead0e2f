// Topic administration shared by the sink and the offsets topic.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <map>
#include <string>

#include "common/status.h"

namespace cdc::agent {

// Creates topic `name` with `partitions`, `replication_factor` (-1: the
// brokers' default) and topic `settings`, unless it exists. `handle` is any
// client of the cluster. Waits up to 30 s for the answer (less once `stop`,
// which may be null, is true). A retryable IOError when the brokers do not
// answer; InvalidArgument, with what to check, when they refuse.
// `what` names the setting the values came from, for messages.
Status CreateTopicIfMissing(rd_kafka_t* handle, const std::string& name, int partitions,
                            int replication_factor,
                            const std::map<std::string, std::string>& settings,
                            const std::string& what, const std::atomic<bool>* stop);

}  // namespace cdc::agent
