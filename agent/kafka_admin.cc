#include "agent/kafka_admin.h"

#include "agent/kafka_common.h"

namespace cdc::agent {

Status CreateTopicIfMissing(rd_kafka_t* handle, const std::string& name, int partitions,
                            int replication_factor,
                            const std::map<std::string, std::string>& settings,
                            const std::string& what, const std::atomic<bool>* stop) {
  char errstr[512];
  rd_kafka_NewTopic_t* topic =
      rd_kafka_NewTopic_new(name.c_str(), partitions, replication_factor, errstr, sizeof errstr);
  if (topic == nullptr) return Status::InvalidArgument(what + ": topic " + name + ": " + errstr);
  for (const auto& [key, value] : settings) {
    rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str());
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(handle);
  rd_kafka_AdminOptions_t* options =
      rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  constexpr int kTimeoutMs = 30000;
  rd_kafka_AdminOptions_set_request_timeout(options, kTimeoutMs, errstr, sizeof errstr);
  rd_kafka_CreateTopics(handle, &topic, 1, options, queue);
  rd_kafka_event_t* event = nullptr;
  for (int waited = 0; event == nullptr && waited < kTimeoutMs + 5000; waited += 500) {
    if (stop != nullptr && stop->load()) break;
    event = rd_kafka_queue_poll(queue, 500);
  }
  Status status;
  if (event == nullptr) {
    status = Status::IOError("kafka: creating topic " + name + " got no answer within " +
                                 std::to_string(kTimeoutMs / 1000) +
                                 " s; check that the brokers in kafka.brokers are up",
                             /*retryable=*/true);
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = Status::IOError("kafka: cannot create topic " + name + ": " +
                                 rd_kafka_event_error_string(event) +
                                 "; check that the brokers in kafka.brokers are up",
                             /*retryable=*/true);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &n);
    for (size_t i = 0; i < n; ++i) {
      const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        KafkaLogger()->info("created topic {} ({} partitions, replication factor {})", name,
                            partitions, replication_factor);
      } else if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        const char* msg = rd_kafka_topic_result_error_string(results[i]);
        status = Status::InvalidArgument(
            "kafka: cannot create topic " + name + ": " + rd_kafka_err2str(err) +
            (msg != nullptr && *msg != '\0' ? std::string(" (") + msg + ")" : "") + "; check " +
            what +
            " (partitions, replication_factor at most the number of brokers, config names and "
            "values) and that the agent's principal may create topics");
      }
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy(topic);
  rd_kafka_queue_destroy(queue);
  return status;
}

}  // namespace cdc::agent
