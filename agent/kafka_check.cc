#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <string>

#include "agent/kafka_common.h"
#include "agent/kafka_sink.h"

namespace cdc::agent {

Status CheckKafkaReachable(const KafkaConfig& config, int timeout_ms) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  // The user's properties apply to the probe too, so that it connects the way
  // the sink will (security.protocol, SASL, SSL).
  CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, "bootstrap.servers", config.brokers, "kafka.brokers"));
  for (const auto& [key, value] : config.properties) {
    CDC_RETURN_IF_ERROR(SetKafkaConf(*conf, key, value, "kafka.properties." + key));
  }
  KafkaEventLogger events(/*quiet=*/true);
  std::string errstr;
  if (conf->set("event_cb", &events, errstr) != RdKafka::Conf::CONF_OK) {
    return Status::InvalidArgument("kafka: " + errstr);
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), errstr));
  if (!producer) return Status::InvalidArgument("kafka: cannot create a client: " + errstr);

  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode err =
      producer->metadata(/*all_topics=*/false, /*only_rkt=*/nullptr, &raw, timeout_ms);
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  if (err != RdKafka::ERR_NO_ERROR) {
    return Status::IOError("kafka: no broker of '" + config.brokers + "' answered within " +
                               FormatSeconds(timeout_ms) +
                               ": check kafka.brokers and that Kafka is running",
                           /*retryable=*/true);
  }
  return Status::OK();
}

}  // namespace cdc::agent
