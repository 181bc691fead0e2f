// Test helpers: librdkafka's built-in mock cluster (brokers on 127.0.0.1,
// inside this process) and small change events.
#pragma once

#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "agent/batch.h"
#include "cdc/v1/change_event.pb.h"
#include "offsets/position.h"

namespace cdc::agent::testing {

class MockKafka {
 public:
  explicit MockKafka(int brokers = 1) {
    char errstr[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
  }
  ~MockKafka() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(handle_);
  }
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  std::string brokers() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  rd_kafka_mock_cluster_t* cluster() { return cluster_; }
  void CreateTopic(const std::string& topic, int partitions) {
    rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
  }
  // The mock speaks Metadata v2, which has no AllowAutoTopicCreation flag, so
  // it creates every topic a client asks about. This makes it answer for
  // `topic` as a real broker answers a consumer: UNKNOWN_TOPIC_OR_PART.
  void MakeTopicUnknown(const std::string& topic) {
    rd_kafka_mock_topic_set_error(cluster_, topic.c_str(), RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  }

 private:
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

// A 127.0.0.1 port bound but not listening, so connections are refused.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { close(fd_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

inline offsets::Position Lsn(uint64_t lsn) {
  offsets::Position p;
  p.kind = offsets::Position::Kind::kPostgres;
  p.lsn = lsn;
  return p;
}

// An event on `topic` for row `id` (keyed by id unless `keyed` is false).
inline OutEvent RowEvent(const std::string& topic, cdc::v1::Op op, int64_t id,
                         bool keyed = true) {
  OutEvent out;
  out.topic = topic;
  out.event.set_op(op);
  out.event.mutable_source()->set_kind(cdc::v1::SOURCE_KIND_POSTGRES);
  out.event.mutable_source()->set_table("t");
  cdc::v1::Column* column =
      op == cdc::v1::OP_DELETE ? out.event.add_before() : out.event.add_after();
  column->set_name("id");
  column->set_type("int8");
  column->mutable_value()->set_int_value(id);
  if (keyed) {
    out.event.add_key_columns("id");
    out.has_key = true;
    *out.key.add_columns() = *column;
  }
  return out;
}

}  // namespace cdc::agent::testing
