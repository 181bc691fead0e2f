// SchemaRegistryClient against the real schema registry of deploy/local
// (Apicurio Registry's Confluent API), and the Confluent framing checked by
// Confluent's own Python deserializer: messages framed with
// AppendConfluentHeader are produced to a fresh topic and read back by
// tests/integration/registry_consume.py.
//
// Needs CDC_REGISTRY_URL (and, for the Python consumer, CDC_PYTHON and
// CDC_KAFKA_BROKERS), which deploy/local/test exports with CDC_TEST_ENV=1.
#include <curl/curl.h>
#include <librdkafka/rdkafkacpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <string>
#include <vector>

#include "agent/confluent_wire.h"
#include "agent/proto_text.h"
#include "agent/schema_registry.h"
#include "cdc/v1/change_event.pb.h"
#include "tests/integration/harness.h"

namespace cdc::itest {
namespace {

using agent::SchemaRegistryClient;
using agent::SchemaRegistryConfig;
using agent::SchemaRole;
using agent::SubjectName;
using agent::SubjectNameStrategy;

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// Skips outside deploy/local/test; inside it, a missing variable fails.
#define CDC_REQUIRE_ENV_VAR(out, name)                                                   \
  do {                                                                                   \
    if (std::getenv("CDC_TEST_ENV") == nullptr) {                                        \
      GTEST_SKIP() << "SKIPPED: needs the servers of deploy/local: CDC_TEST_ENV is not " \
                      "set (run deploy/local/test)";                                     \
    }                                                                                    \
    out = Getenv(name);                                                                  \
    if (out.empty()) FAIL() << name " is not set; deploy/local/test exports it";         \
  } while (0)

std::string FreshName(const std::string& tag) {
  return "cdc_itest_" + tag + "_" + UniqueSuffix() + "_" + std::to_string(std::time(nullptr));
}

// A port on 127.0.0.1 that nothing listens on (bound, then released).
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// PUT with a JSON body; returns the HTTP status, 0 when there was no answer.
long HttpPut(const std::string& url, const std::string& body) {
  CURL* c = curl_easy_init();
  if (c == nullptr) return 0;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION,
                   +[](char*, size_t size, size_t count, void*) { return size * count; });
  long status = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return status;
}

class RegistryClientTest : public ::testing::Test {
 protected:
  void SetUp() override { CDC_REQUIRE_ENV_VAR(url_, "CDC_REGISTRY_URL"); }

  std::unique_ptr<SchemaRegistryClient> NewClient(const std::string& url) {
    SchemaRegistryConfig config;
    config.url = url;
    config.timeout_ms = 10000;
    auto client = SchemaRegistryClient::Create(config);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  std::string url_;
};

TEST_F(RegistryClientTest, RegistersKeyAndValueSchemasOnce) {
  const std::string topic = FreshName("registry");
  const std::string value_subject = SubjectName(SubjectNameStrategy::kTopicName, topic, SchemaRole::kValue);
  const std::string key_subject = SubjectName(SubjectNameStrategy::kTopicName, topic, SchemaRole::kKey);
  auto client = NewClient(url_);
  ASSERT_NE(client, nullptr);

  Result<int32_t> value_id = client->Register(value_subject, agent::ChangeEventProtoText());
  ASSERT_TRUE(value_id.ok()) << value_id.status().ToString();
  Result<int32_t> key_id = client->Register(key_subject, agent::ChangeEventProtoText());
  ASSERT_TRUE(key_id.ok()) << key_id.status().ToString();
  EXPECT_EQ(client->requests_sent(), 2u);

  // Cached: no request.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(*client->Register(value_subject, agent::ChangeEventProtoText()), *value_id);
    EXPECT_EQ(*client->Register(key_subject, agent::ChangeEventProtoText()), *key_id);
  }
  EXPECT_EQ(client->requests_sent(), 2u);

  // A new client (a restarted agent) registers again and gets the same ids.
  auto again = NewClient(url_);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(*again->Register(value_subject, agent::ChangeEventProtoText()), *value_id);
  EXPECT_EQ(*again->Register(key_subject, agent::ChangeEventProtoText()), *key_id);
  EXPECT_EQ(again->requests_sent(), 2u);

  Result<agent::RegisteredSchema> fetched = client->FetchSchema(*value_id);
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  EXPECT_EQ(fetched->schema_type, "PROTOBUF");
  EXPECT_EQ(fetched->schema, agent::ChangeEventProtoText());
  EXPECT_EQ(client->requests_sent(), 3u);
}

TEST_F(RegistryClientTest, RecordNameSubjects) {
  auto client = NewClient(url_);
  ASSERT_NE(client, nullptr);
  const std::string topic = FreshName("registry");
  for (auto strategy : {SubjectNameStrategy::kRecordName, SubjectNameStrategy::kTopicRecordName}) {
    for (auto role : {SchemaRole::kKey, SchemaRole::kValue}) {
      const std::string subject = SubjectName(strategy, topic, role);
      Result<int32_t> id = client->Register(subject, agent::ChangeEventProtoText());
      EXPECT_TRUE(id.ok()) << subject << ": " << id.status().ToString();
    }
  }
}

TEST_F(RegistryClientTest, UnknownIdIsNotFound) {
  auto client = NewClient(url_);
  ASSERT_NE(client, nullptr);
  Result<agent::RegisteredSchema> missing = client->FetchSchema(2000000000);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
}

TEST_F(RegistryClientTest, UnreachableRegistryIsRetryable) {
  const std::string down = "http://127.0.0.1:" + std::to_string(ClosedPort());
  auto client = NewClient(down);
  ASSERT_NE(client, nullptr);
  Result<int32_t> id = client->Register("s-value", agent::ChangeEventProtoText());
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(id.status().IsIOError());
  EXPECT_TRUE(id.status().retryable());
  const std::string& m = id.status().message();
  EXPECT_EQ(m.find('\n'), std::string::npos);
  EXPECT_EQ(m.rfind("schema registry " + down + " is unreachable while registering subject \"s-value\": ", 0), 0u)
      << m;

  // With the real registry listed after it, the client fails over.
  auto both = NewClient(down + "," + url_);
  ASSERT_NE(both, nullptr);
  EXPECT_TRUE(both->Register(FreshName("failover") + "-value", agent::ChangeEventProtoText()).ok());
}

TEST_F(RegistryClientTest, WrongBaseUrlSaysSo) {
  // The registry's root instead of its Confluent API.
  std::string root = url_.substr(0, url_.find("/apis/"));
  auto client = NewClient(root);
  ASSERT_NE(client, nullptr);
  Result<int32_t> id = client->Register("s-value", agent::ChangeEventProtoText());
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(id.status().IsNotFound()) << id.status().ToString();
  EXPECT_NE(id.status().message().find("is schema_registry.url the base URL of the Confluent API"),
            std::string::npos)
      << id.status().message();
}

TEST_F(RegistryClientTest, InvalidSchemaIsRejected) {
  auto client = NewClient(url_);
  ASSERT_NE(client, nullptr);
  const std::string subject = FreshName("invalid") + "-value";
  Result<int32_t> id = client->Register(subject, "syntax = \"proto3\"; message X { int32 a = 1 ");
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(id.status().IsInvalidArgument()) << id.status().ToString();
  EXPECT_FALSE(id.status().retryable());
  EXPECT_EQ(id.status().message().rfind("schema registry " + url_ + ": invalid schema for subject \"" +
                                            subject + "\" (HTTP 422",
                                        0),
            0u)
      << id.status().message();
}

TEST_F(RegistryClientTest, IncompatibleSchemaIsRejected) {
  auto client = NewClient(url_);
  ASSERT_NE(client, nullptr);
  const std::string subject = FreshName("compat") + "-value";
  ASSERT_TRUE(client->Register(subject, "syntax = \"proto3\";\npackage t;\nmessage A { int32 a = 1; }\n").ok());
  ASSERT_EQ(HttpPut(url_ + "/config/" + subject, R"({"compatibility":"BACKWARD"})"), 200);
  Result<int32_t> id =
      client->Register(subject, "syntax = \"proto3\";\npackage t;\nmessage A { string a = 1; }\n");
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(id.status().IsInvalidArgument()) << id.status().ToString();
  const std::string& m = id.status().message();
  EXPECT_EQ(m.rfind("schema registry " + url_ + ": the schema is incompatible with the versions of subject \"" +
                        subject + "\" (HTTP 409",
                    0),
            0u)
      << m;
  EXPECT_EQ(m.find('\n'), std::string::npos);
}

// Produces messages with librdkafka, each key and value as given (nullopt:
// null). Returns the first delivery error, empty when all were acknowledged.
std::string Produce(const std::string& brokers, const std::string& topic,
                    const std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>& messages) {
  struct Reports : RdKafka::DeliveryReportCb {
    std::string error;
    void dr_cb(RdKafka::Message& m) override {
      if (m.err() != RdKafka::ERR_NO_ERROR && error.empty()) error = m.errstr();
    }
  } reports;
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  if (conf->set("bootstrap.servers", brokers, err) != RdKafka::Conf::CONF_OK ||
      conf->set("enable.idempotence", "true", err) != RdKafka::Conf::CONF_OK ||
      conf->set("dr_cb", &reports, err) != RdKafka::Conf::CONF_OK) {
    return err;
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  if (producer == nullptr) return err;
  for (const auto& [key, value] : messages) {
    RdKafka::ErrorCode rc = producer->produce(
        topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
        value ? const_cast<char*>(value->data()) : nullptr, value ? value->size() : 0,
        key ? key->data() : nullptr, key ? key->size() : 0, 0, nullptr);
    if (rc != RdKafka::ERR_NO_ERROR) return RdKafka::err2str(rc);
  }
  if (producer->flush(30000) != RdKafka::ERR_NO_ERROR) return "flush timed out";
  return reports.error;
}

cdc::v1::RowKey IdKey(int64_t id) {
  cdc::v1::RowKey key;
  auto* column = key.add_columns();
  column->set_name("id");
  column->mutable_value()->set_int_value(id);
  return key;
}

cdc::v1::ChangeEvent Event(cdc::v1::Op op, const std::string& table) {
  cdc::v1::ChangeEvent event;
  event.set_op(op);
  event.mutable_source()->set_kind(cdc::v1::SOURCE_KIND_POSTGRES);
  event.mutable_source()->set_schema("public");
  event.mutable_source()->set_table(table);
  return event;
}

std::string Framed(int32_t schema_id, std::span<const int> indexes, const google::protobuf::Message& m) {
  std::string out;
  agent::AppendConfluentHeader(schema_id, indexes, &out);
  out += m.SerializeAsString();
  return out;
}

class RegistryConsumeTest : public RegistryClientTest {
 protected:
  void SetUp() override {
    RegistryClientTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    CDC_REQUIRE_ENV_VAR(python_, "CDC_PYTHON");
    brokers_ = Getenv("CDC_KAFKA_BROKERS");
    if (brokers_.empty()) brokers_ = "127.0.0.1:59092";
    dir_ = MakeTempDir("registry");
    proto_path_ = dir_ + "/change_event.proto";
    WriteFile(proto_path_, std::string(agent::ChangeEventProtoText()));
  }
  void TearDown() override {
    if (!dir_.empty()) RemoveTree(dir_);
  }

  CommandResult Consume(const std::string& topic, int count) {
    return RunCommand({python_, CDC_SOURCE_DIR "/tests/integration/registry_consume.py",
                       "--brokers", brokers_, "--topic", topic, "--registry", url_,
                       "--descriptor-set", CDC_CHANGE_EVENT_DESCRIPTOR_SET, "--proto-text",
                       proto_path_, "--count", std::to_string(count), "--timeout", "60"},
                      std::chrono::seconds(120));
  }

  std::string python_;
  std::string brokers_;
  std::string dir_;
  std::string proto_path_;
};

TEST_F(RegistryConsumeTest, PythonDeserializerReadsFramedMessages) {
  const std::string topic = FreshName("registry_consume");
  auto client = NewClient(url_);
  ASSERT_NE(client, nullptr);
  Result<int32_t> value_id = client->Register(
      SubjectName(SubjectNameStrategy::kTopicName, topic, SchemaRole::kValue), agent::ChangeEventProtoText());
  ASSERT_TRUE(value_id.ok()) << value_id.status().ToString();
  Result<int32_t> key_id = client->Register(
      SubjectName(SubjectNameStrategy::kTopicName, topic, SchemaRole::kKey), agent::ChangeEventProtoText());
  ASSERT_TRUE(key_id.ok()) << key_id.status().ToString();

  const auto value_path = agent::ChangeEventMessageIndexes();
  const auto key_path = agent::RowKeyMessageIndexes();
  std::string error = Produce(
      brokers_, topic,
      {{Framed(*key_id, key_path, IdKey(1)), Framed(*value_id, value_path, Event(cdc::v1::OP_INSERT, "orders"))},
       {Framed(*key_id, key_path, IdKey(1)), Framed(*value_id, value_path, Event(cdc::v1::OP_UPDATE, "orders"))},
       {Framed(*key_id, key_path, IdKey(-2)), Framed(*value_id, value_path, Event(cdc::v1::OP_DELETE, "orders"))},
       {Framed(*key_id, key_path, IdKey(-2)), std::nullopt},
       {std::nullopt, Framed(*value_id, value_path, Event(cdc::v1::OP_INSERT, "no_pk"))}});
  ASSERT_EQ(error, "");

  CommandResult r = Consume(topic, 5);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string k = std::to_string(*key_id);
  const std::string v = std::to_string(*value_id);
  auto key_json = [](const char* id) {
    return std::string(R"({"columns": [{"name": "id", "value": {"int_value": ")") + id + R"("}}]})";
  };
  const std::string expected =
      R"({"key": )" + key_json("1") + R"(, "key_schema_id": )" + k +
      R"(, "offset": 0, "op": "OP_INSERT", "partition": 0, "table": "public.orders", "value_schema_id": )" + v + "}\n" +
      R"({"key": )" + key_json("1") + R"(, "key_schema_id": )" + k +
      R"(, "offset": 1, "op": "OP_UPDATE", "partition": 0, "table": "public.orders", "value_schema_id": )" + v + "}\n" +
      R"({"key": )" + key_json("-2") + R"(, "key_schema_id": )" + k +
      R"(, "offset": 2, "op": "OP_DELETE", "partition": 0, "table": "public.orders", "value_schema_id": )" + v + "}\n" +
      R"({"key": )" + key_json("-2") + R"(, "key_schema_id": )" + k +
      R"(, "offset": 3, "op": null, "partition": 0, "table": null, "value_schema_id": null})" "\n" +
      R"({"key": null, "key_schema_id": null, "offset": 4, "op": "OP_INSERT", "partition": 0, "table": "public.no_pk", "value_schema_id": )" + v + "}\n";
  EXPECT_EQ(r.out, expected) << r.err;
}

TEST_F(RegistryConsumeTest, PythonDeserializerRejectsWrongFraming) {
  auto client = NewClient(url_);
  ASSERT_NE(client, nullptr);
  const std::string topic = FreshName("registry_bad");
  Result<int32_t> id = client->Register(
      SubjectName(SubjectNameStrategy::kTopicName, topic, SchemaRole::kValue), agent::ChangeEventProtoText());
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  // A ChangeEvent framed with the message indexes of RowKey.
  ASSERT_EQ(Produce(brokers_, topic,
                    {{std::nullopt, Framed(*id, agent::RowKeyMessageIndexes(), Event(cdc::v1::OP_INSERT, "t"))}}),
            "");
  CommandResult r = Consume(topic, 1);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("value does not decode: ConsumeError: message indexes [" +
                       std::to_string(agent::RowKeyMessageIndexes()[0]) +
                       "] name cdc.v1.RowKey, expected cdc.v1.ChangeEvent"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace cdc::itest
