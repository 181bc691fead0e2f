#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <string>

#include "agent/kafka_common.h"
#include "agent/kafka_sink.h"

namespace cdc::agent {
namespace {

// "5s", "1.5s", "0.25s".
std::string Seconds(int timeout_ms) {
  std::string text = std::to_string(timeout_ms / 1000);
  int rest = timeout_ms % 1000;
  if (rest != 0) {
    std::string frac = std::to_string(1000 + rest).substr(1);
    while (frac.back() == '0') frac.pop_back();
    text += "." + frac;
  }
  return text + "s";
}

}  // namespace

Status CheckKafkaReachable(const KafkaConfig& config, int timeout_ms) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  // The user's properties come first so that security settings apply to the
  // probe; ours only make it quiet and short.
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
                               Seconds(timeout_ms) +
                               ": check kafka.brokers and that Kafka is running",
                           /*retryable=*/true);
  }
  return Status::OK();
}

}  // namespace cdc::agent
