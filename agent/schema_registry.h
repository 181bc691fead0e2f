// A client of a Confluent-compatible schema registry (Confluent Schema
// Registry, Apicurio Registry's /apis/ccompat/v7, Karapace): registers the
// Protobuf schemas of the key and value messages and returns the ids that go
// into each message's Confluent header (agent/confluent_wire.h).
//
// REST API: https://docs.confluent.io/platform/current/schema-registry/develop/api.html
//   POST {url}/subjects/{subject}/versions
//        {"schemaType":"PROTOBUF","schema":"<.proto text>"} -> {"id":N}
//        The registry returns the existing id when the subject already has
//        the schema, so registering at every start is safe.
//   GET  {url}/schemas/ids/{id} -> {"schema":"...","schemaType":"PROTOBUF"}
//   Errors: {"error_code":40901,"message":"..."} with the HTTP status.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/status.h"

namespace cdc::agent {

// How a subject (the registry's name for a schema's version history) is named
// for a topic's keys and values, as Confluent's serializers' strategies do.
enum class SubjectNameStrategy {
  kTopicName,        // "<topic>-key", "<topic>-value"
  kRecordName,       // "cdc.v1.RowKey", "cdc.v1.ChangeEvent": one subject for all topics
  kTopicRecordName,  // "<topic>-cdc.v1.RowKey", "<topic>-cdc.v1.ChangeEvent"
};

// "topic-name", "record-name" or "topic-record-name"; InvalidArgument naming
// the three otherwise.
Result<SubjectNameStrategy> ParseSubjectNameStrategy(std::string_view text);
std::string_view SubjectNameStrategyName(SubjectNameStrategy strategy);

enum class SchemaRole { kKey, kValue };

// The subject of the key (cdc.v1.RowKey) or value (cdc.v1.ChangeEvent)
// schema of `topic`. The record names come from the compiled-in descriptors.
std::string SubjectName(SubjectNameStrategy strategy, std::string_view topic, SchemaRole role);

// Settings of the registry client. Error messages name each setting by its
// config key below `schema_registry.` (url, basic_auth_user, ...).
struct SchemaRegistryConfig {
  // Required: the base URL of the registry's Confluent API, or several,
  // comma-separated, tried in order when one is unreachable. E.g.
  // "http://127.0.0.1:8081" (Confluent) or
  // "http://127.0.0.1:8080/apis/ccompat/v7" (Apicurio). http or https; no
  // credentials in the URL.
  std::string url;
  std::string basic_auth_user;      // Default: empty (no authentication).
  std::string basic_auth_password;  // Default: empty. Secret. Required with the user.
  std::string ssl_ca_location;      // Default: empty (the system's CAs). PEM file.
  // Default: empty. Client certificate (PEM) for mutual TLS; the key is read
  // from ssl_key_location, or from this file when that is empty.
  std::string ssl_certificate_location;
  std::string ssl_key_location;  // Default: empty. PEM private key.
  std::string ssl_key_password;  // Default: empty. Secret.
  // Default: true. false accepts any server certificate and host name: for
  // tests only.
  bool ssl_verify = true;
  int timeout_ms = 10000;  // Default: 10000. Per request, connecting included.
  SubjectNameStrategy subject_name_strategy = SubjectNameStrategy::kTopicName;  // Default: topic-name
};

// The URLs of `url`: split on commas, blanks around them and trailing
// slashes removed. InvalidArgument for an empty list or entry, a scheme
// other than http/https, blanks inside a URL, or credentials in it.
Result<std::vector<std::string>> SplitRegistryUrls(std::string_view url);

// Checks every setting (URLs as above; user and password together; a key
// only with a certificate; TLS files readable and only with an https URL;
// timeout_ms in 1..600000). InvalidArgument naming the setting.
Status ValidateSchemaRegistryConfig(const SchemaRegistryConfig& config);

// A schema as the registry returns it by id.
struct RegisteredSchema {
  int32_t id = 0;
  std::string schema_type;  // "PROTOBUF", "AVRO" (the API's default), "JSON"
  std::string schema;       // the schema text (Apicurio: byte for byte as registered)
};

// Thread: not thread-safe. One thread at a time (the sink thread, or the
// `schema` command); every call blocks for at most timeout_ms per URL tried.
//
// Errors, one line each, naming the registry URL and the subject:
//   unreachable, timed out, HTTP 408/429/5xx  IOError, retryable
//   TLS failure                               InvalidArgument (check ssl_*)
//   HTTP 401/403                              InvalidArgument (check basic_auth_*)
//   HTTP 409 incompatible schema              InvalidArgument, the registry's message
//   HTTP 422 invalid schema                   InvalidArgument, the registry's message
//   HTTP 404                                  NotFound
//   other HTTP errors                         InvalidArgument with error_code and message
class SchemaRegistryClient {
 public:
  // InvalidArgument when ValidateSchemaRegistryConfig fails. Makes no
  // request.
  static Result<std::unique_ptr<SchemaRegistryClient>> Create(const SchemaRegistryConfig& config);
  ~SchemaRegistryClient();
  SchemaRegistryClient(const SchemaRegistryClient&) = delete;
  SchemaRegistryClient& operator=(const SchemaRegistryClient&) = delete;

  // Registers `schema_text` (.proto text without imports: no references are
  // sent) under `subject` as a PROTOBUF schema and returns its id. Ids are
  // cached per (subject, schema_text): a second call returns the cached id
  // without a request. Failures are not cached.
  Result<int32_t> Register(std::string_view subject, std::string_view schema_text);

  // GET /schemas/ids/{id}; never cached.
  Result<RegisteredSchema> FetchSchema(int32_t id);

  // HTTP requests sent since creation, one per URL tried.
  uint64_t requests_sent() const { return requests_sent_; }

 private:
  struct Http;
  struct CacheKey {
    std::string subject;
    std::string schema;
  };
  struct CacheKeyView {
    std::string_view subject;
    std::string_view schema;
  };
  struct CacheLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::tuple<std::string_view, std::string_view>(a.subject, a.schema) <
             std::tuple<std::string_view, std::string_view>(b.subject, b.schema);
    }
  };

  SchemaRegistryClient(SchemaRegistryConfig config, std::vector<std::string> urls);

  // Sends the request to each URL in turn, starting with the last one that
  // answered, until one answers with something other than a retryable
  // failure. `path` starts with '/'; an empty `post_body` means GET.
  // Returns the 2xx body, or the Status of the answer or of the last failure.
  Result<std::string> Send(std::string_view path, std::string_view post_body,
                           std::string_view what, std::string_view subject);

  SchemaRegistryConfig config_;
  std::vector<std::string> urls_;
  size_t current_url_ = 0;
  std::unique_ptr<Http> http_;
  std::map<CacheKey, int32_t, CacheLess> ids_;
  uint64_t requests_sent_ = 0;
};

}  // namespace cdc::agent
