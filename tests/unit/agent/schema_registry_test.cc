#include "agent/schema_registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "agent/proto_text.h"
#include "agent/schema_registry_response.h"

namespace cdc::agent {
namespace {

TEST(SubjectNameTest, TopicNameStrategy) {
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kTopicName, "cdc.public.orders", SchemaRole::kKey),
            "cdc.public.orders-key");
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kTopicName, "cdc.public.orders", SchemaRole::kValue),
            "cdc.public.orders-value");
}

TEST(SubjectNameTest, RecordNameStrategyIgnoresTheTopic) {
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kRecordName, "a", SchemaRole::kKey), "cdc.v1.RowKey");
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kRecordName, "b", SchemaRole::kValue),
            "cdc.v1.ChangeEvent");
}

TEST(SubjectNameTest, TopicRecordNameStrategy) {
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kTopicRecordName, "cdc.s.t", SchemaRole::kKey),
            "cdc.s.t-cdc.v1.RowKey");
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kTopicRecordName, "cdc.s.t", SchemaRole::kValue),
            "cdc.s.t-cdc.v1.ChangeEvent");
}

TEST(SubjectNameTest, StrategyNamesRoundTrip) {
  for (auto s : {SubjectNameStrategy::kTopicName, SubjectNameStrategy::kRecordName,
                 SubjectNameStrategy::kTopicRecordName}) {
    Result<SubjectNameStrategy> parsed = ParseSubjectNameStrategy(SubjectNameStrategyName(s));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, s);
  }
  Result<SubjectNameStrategy> bad = ParseSubjectNameStrategy("TopicNameStrategy");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().ToString(),
            "InvalidArgument: schema_registry.subject_name_strategy: unknown strategy "
            "'TopicNameStrategy' (known: topic-name, record-name, topic-record-name)");
  EXPECT_EQ(SchemaRegistryConfig().subject_name_strategy, SubjectNameStrategy::kTopicName);
}

std::vector<std::string> Urls(std::string_view text) {
  Result<std::vector<std::string>> urls = SplitRegistryUrls(text);
  EXPECT_TRUE(urls.ok()) << urls.status().ToString();
  return urls.ok() ? *urls : std::vector<std::string>{};
}

std::string UrlError(std::string_view text) {
  Result<std::vector<std::string>> urls = SplitRegistryUrls(text);
  EXPECT_FALSE(urls.ok());
  return urls.ok() ? std::string() : urls.status().message();
}

TEST(SplitRegistryUrlsTest, OneOrSeveral) {
  EXPECT_EQ(Urls("http://127.0.0.1:8081"), std::vector<std::string>{"http://127.0.0.1:8081"});
  EXPECT_EQ(Urls("http://h:8080/apis/ccompat/v7/"),
            std::vector<std::string>{"http://h:8080/apis/ccompat/v7"});
  EXPECT_EQ(Urls(" http://a:1 , https://b:2/x// ,http://c"),
            (std::vector<std::string>{"http://a:1", "https://b:2/x", "http://c"}));
}

TEST(SplitRegistryUrlsTest, Errors) {
  EXPECT_EQ(UrlError(""), "schema_registry.url is empty; give the registry's base URL");
  EXPECT_EQ(UrlError("http://a,"), "schema_registry.url 'http://a,' has an empty entry");
  EXPECT_EQ(UrlError("localhost:8081"),
            "schema_registry.url entry 'localhost:8081' does not start with http:// or https://");
  EXPECT_EQ(UrlError("http://"), "schema_registry.url entry 'http://' has no host");
  EXPECT_EQ(UrlError("http://a b"), "schema_registry.url entry 'http://a b' contains a blank");
  EXPECT_EQ(UrlError("https://user:secret@h:8081"),
            "schema_registry.url entry has credentials before '@'; put them in "
            "schema_registry.basic_auth_user and basic_auth_password");
  // An '@' in the path is not user info.
  EXPECT_EQ(Urls("http://h/a@b"), std::vector<std::string>{"http://h/a@b"});
}

std::string ConfigError(const SchemaRegistryConfig& config) {
  Status s = ValidateSchemaRegistryConfig(config);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  return s.message();
}

TEST(SchemaRegistryConfigTest, Valid) {
  SchemaRegistryConfig c;
  c.url = "http://127.0.0.1:58081/apis/ccompat/v7";
  EXPECT_TRUE(ValidateSchemaRegistryConfig(c).ok());
  c.basic_auth_user = "u";
  c.basic_auth_password = "p";
  EXPECT_TRUE(ValidateSchemaRegistryConfig(c).ok());
  c.url = "https://r:8081";
  c.ssl_ca_location = CDC_SOURCE_DIR "/proto/cdc/v1/change_event.proto";  // any readable file
  c.ssl_verify = false;
  EXPECT_TRUE(ValidateSchemaRegistryConfig(c).ok());
}

TEST(SchemaRegistryConfigTest, Errors) {
  SchemaRegistryConfig base;
  base.url = "http://r:8081";
  SchemaRegistryConfig c = base;
  c.url = "";
  EXPECT_EQ(ConfigError(c), "schema_registry.url is empty; give the registry's base URL");
  c = base;
  c.basic_auth_user = "u";
  EXPECT_EQ(ConfigError(c), "schema_registry.basic_auth_user is set but basic_auth_password is empty");
  c = base;
  c.basic_auth_password = "p";
  EXPECT_EQ(ConfigError(c), "schema_registry.basic_auth_password is set but basic_auth_user is empty");
  c = base;
  c.basic_auth_user = "a:b";
  c.basic_auth_password = "p";
  EXPECT_EQ(ConfigError(c),
            "schema_registry.basic_auth_user contains ':', which HTTP basic authentication "
            "cannot carry");
  c = base;
  c.url = "https://r";
  c.ssl_key_location = "/k.pem";
  EXPECT_EQ(ConfigError(c), "schema_registry.ssl_key_location is set without ssl_certificate_location");
  c = base;
  c.ssl_verify = false;
  EXPECT_EQ(ConfigError(c),
            "schema_registry.ssl_* settings are given but no schema_registry.url is https://");
  c = base;
  c.url = "https://r";
  c.ssl_ca_location = "/nonexistent/ca.pem";
  EXPECT_EQ(ConfigError(c), "schema_registry.ssl_ca_location: cannot read '/nonexistent/ca.pem'");
  c = base;
  c.timeout_ms = 0;
  EXPECT_EQ(ConfigError(c), "schema_registry.timeout_ms is 0; it must be in 1..600000");
  EXPECT_FALSE(SchemaRegistryClient::Create(c).ok());
}

// Answers captured from Apicurio Registry 3.0.9's /apis/ccompat/v7.
constexpr std::string_view kApicurio409 =
    R"({"message":"io.apicurio.registry.rules.RuleViolationException: Incompatible artifact: c-value [PROTOBUF], num of incompatible diffs: {1}, list of diff types: [The new version of the protobuf artifact is not backward compatible. at /]","error_code":409})";
constexpr std::string_view kApicurio422 =
    R"({"message":"Failed to discover artifact type from content.","error_code":42201})";
constexpr std::string_view kApicurio404 =
    R"({"message":"No content with ID '999' was found.","error_code":40403})";

const RegistryRequestInfo kRegister{"http://r:8081", "registering subject \"t-value\"", "t-value"};
const RegistryRequestInfo kFetch{"http://r:8081", "fetching schema id 999", ""};

TEST(RegistryHttpErrorTest, Unauthorized) {
  Status s = RegistryHttpError(kRegister, 401,
                               R"({"error_code":40101,"message":"Unauthorized"})");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_FALSE(s.retryable());
  EXPECT_EQ(s.message(),
            "schema registry http://r:8081 rejected the credentials while registering subject "
            "\"t-value\" (HTTP 401, error_code 40101: Unauthorized); check "
            "schema_registry.basic_auth_user and schema_registry.basic_auth_password");
}

TEST(RegistryHttpErrorTest, Forbidden) {
  Status s = RegistryHttpError(kRegister, 403, "");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "schema registry http://r:8081 denied registering subject \"t-value\" (HTTP 403); "
            "check that the user in schema_registry.basic_auth_user may write subject "
            "\"t-value\"");
  EXPECT_EQ(RegistryHttpError(kFetch, 403, "").message(),
            "schema registry http://r:8081 denied fetching schema id 999 (HTTP 403); check that "
            "the user in schema_registry.basic_auth_user may read schemas");
}

TEST(RegistryHttpErrorTest, Incompatible) {
  Status s = RegistryHttpError(kRegister, 409, kApicurio409);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_FALSE(s.retryable());
  EXPECT_EQ(s.message(),
            "schema registry http://r:8081: the schema is incompatible with the versions of "
            "subject \"t-value\" (HTTP 409, error_code 409: "
            "io.apicurio.registry.rules.RuleViolationException: Incompatible artifact: c-value "
            "[PROTOBUF], num of incompatible diffs: {1}, list of diff types: [The new version "
            "of the protobuf artifact is not backward compatible. at /]); make the change "
            "compatible, or change the subject's compatibility level");
}

TEST(RegistryHttpErrorTest, InvalidSchema) {
  Status s = RegistryHttpError(kRegister, 422, kApicurio422);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "schema registry http://r:8081: invalid schema for subject \"t-value\" (HTTP 422, "
            "error_code 42201: Failed to discover artifact type from content.)");
}

TEST(RegistryHttpErrorTest, NotFound) {
  Status s = RegistryHttpError(kFetch, 404, kApicurio404);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(),
            "schema registry http://r:8081: not found while fetching schema id 999 (HTTP 404, "
            "error_code 40403: No content with ID '999' was found.)");
  // Apicurio outside its Confluent API: RFC 7807 JSON without error_code.
  Status problem = RegistryHttpError(
      kRegister, 404,
      R"({"detail":"NotFoundException: RESTEASY003210: Could not find resource for full path: http://r:8081/subjects/t-value/versions","title":"RESTEASY003210: Could not find resource for full path: http://r:8081/subjects/t-value/versions","status":404,"name":"NotFoundException"})");
  EXPECT_EQ(problem.message(),
            "schema registry http://r:8081: not found while registering subject \"t-value\" "
            "(HTTP 404: NotFoundException: RESTEASY003210: Could not find resource for full "
            "path: http://r:8081/subjects/t-value/versions); is schema_registry.url the base URL "
            "of the Confluent API (Apicurio: .../apis/ccompat/v7)?");
  // Not JSON at all: the base URL is likely wrong.
  Status html = RegistryHttpError(kRegister, 404, "<html>\n<body>Not Found</body></html>");
  EXPECT_EQ(html.message(),
            "schema registry http://r:8081: not found while registering subject \"t-value\" "
            "(HTTP 404: <html>); is schema_registry.url the base URL of the Confluent API "
            "(Apicurio: .../apis/ccompat/v7)?");
}

TEST(RegistryHttpErrorTest, ServerErrorsAreRetryable) {
  for (long code : {500L, 502L, 503L, 408L, 429L}) {
    Status s = RegistryHttpError(kRegister, code, R"({"error_code":50001,"message":"store down"})");
    EXPECT_TRUE(s.IsIOError()) << code;
    EXPECT_TRUE(s.retryable()) << code;
  }
  EXPECT_EQ(RegistryHttpError(kRegister, 503, "").message(),
            "schema registry http://r:8081 failed while registering subject \"t-value\" (HTTP 503)");
}

TEST(RegistryHttpErrorTest, OtherCodesQuoteTheBody) {
  // Apicurio's answer to a body that is not JSON: text under a JSON content type.
  Status s = RegistryHttpError(kRegister, 400, "Not able to deserialize data provided.");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_FALSE(s.retryable());
  EXPECT_EQ(s.message(),
            "schema registry http://r:8081 refused registering subject \"t-value\" (HTTP 400: "
            "Not able to deserialize data provided.)");
  EXPECT_EQ(RegistryHttpError(kRegister, 415, R"({"error_code":415,"message":"a\nb\tc"})").message(),
            "schema registry http://r:8081 refused registering subject \"t-value\" (HTTP 415, "
            "error_code 415: a b c)");
}

TEST(RegistryHttpErrorTest, DetailIsOneShortLine) {
  std::string long_message(1000, 'x');
  std::string detail = RegistryErrorDetail(500, "{\"message\":\"" + long_message + "\"}");
  EXPECT_EQ(detail, " (HTTP 500: " + std::string(300, 'x') + "...)");
  EXPECT_EQ(RegistryErrorDetail(502, "line one\r\nline two"), " (HTTP 502: line one)");
  EXPECT_EQ(RegistryErrorDetail(500, "{}"), " (HTTP 500)");
}

TEST(RegistryResponseTest, RegisterAnswer) {
  Result<int32_t> id = ParseRegisterResponse(R"({"id":1})");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 1);
  id = ParseRegisterResponse(R"( {"id": 2147483647, "other": [1, 2]} )");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 2147483647);
  for (std::string_view bad : {R"({"id":1.5})", R"({"id":-1})", R"({"id":2147483648})",
                               R"({"id":"1"})", R"({})"}) {
    Result<int32_t> r = ParseRegisterResponse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsCorruption());
    EXPECT_EQ(r.status().message(),
              "schema registry answer to a registration has no integer \"id\" in "
              "0..2147483647: " + std::string(bad));
  }
  Result<int32_t> r = ParseRegisterResponse("<html>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "schema registry answer to a registration is not a JSON object: <html>");
}

TEST(RegistryResponseTest, SchemaAnswer) {
  Result<RegisteredSchema> s =
      ParseSchemaResponse(7, R"({"schema":"syntax = \"proto3\";\n","schemaType":"PROTOBUF","references":[]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->id, 7);
  EXPECT_EQ(s->schema_type, "PROTOBUF");
  EXPECT_EQ(s->schema, "syntax = \"proto3\";\n");
  s = ParseSchemaResponse(8, R"({"schema":"{\"type\":\"string\"}"})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->schema_type, "AVRO");
  s = ParseSchemaResponse(9, R"({"schemaType":"PROTOBUF"})");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "schema registry answer for schema id 9 has no string \"schema\": "
            "{\"schemaType\":\"PROTOBUF\"}");
}

TEST(RegistryResponseTest, RegisterRequestBodyEscapesTheText) {
  EXPECT_EQ(RegisterRequestBody("syntax = \"proto3\";\n\tpackage a\\b;"),
            R"({"schemaType":"PROTOBUF","schema":"syntax = \"proto3\";\n\tpackage a\\b;"})");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(ProtoTextTest, IsTheFileByteForByte) {
  const std::string file = ReadFile(CDC_SOURCE_DIR "/proto/" + std::string(kChangeEventProtoPath));
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(ChangeEventProtoText(), file);
}

TEST(ProtoTextTest, HasNoImports) {
  // The registration sends no references: an import would need one per
  // imported file (and that file registered under its own subject).
  std::string_view text = ChangeEventProtoText();
  EXPECT_EQ(text.find("\nimport "), std::string_view::npos)
      << "change_event.proto imports a file: SchemaRegistryClient::Register must send "
         "references";
  EXPECT_NE(text.find("\npackage cdc.v1;\n"), std::string_view::npos);
}

}  // namespace
}  // namespace cdc::agent
