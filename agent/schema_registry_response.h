// What a schema registry answers, read into values and Statuses: the pure
// half of SchemaRegistryClient, so that every answer can be tested without a
// server. Bodies are JSON (see agent/schema_registry.h for the API); a body
// that is not JSON (a proxy's HTML page, Apicurio's plain-text 400) is quoted
// as its first line.
//
// Thread: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/schema_registry.h"
#include "common/status.h"

namespace cdc::agent {

// The request an answer belongs to, for messages and hints.
struct RegistryRequestInfo {
  std::string_view url;      // the base URL that answered
  std::string_view what;     // "registering subject \"t-value\"", "fetching schema id 7"
  std::string_view subject;  // empty when the request has none
};

// The Status of an HTTP answer whose status is not 2xx (see the table in
// agent/schema_registry.h), with the registry's error_code and message.
Status RegistryHttpError(const RegistryRequestInfo& request, long http_status,
                         std::string_view body);

// " (HTTP 409, error_code 40901: message)" or " (HTTP 502: first line of the
// body)" or " (HTTP 500)": the detail of an error answer, on one line and at
// most about 300 bytes.
std::string RegistryErrorDetail(long http_status, std::string_view body);

// {"id":N} -> N. Corruption when the body is not a JSON object or has no
// integer "id" in 0..2^31-1.
Result<int32_t> ParseRegisterResponse(std::string_view body);

// {"schema":"...","schemaType":"PROTOBUF","references":[...]} -> the schema
// with `id`. A missing schemaType means AVRO, as in the API. Corruption
// without a string "schema".
Result<RegisteredSchema> ParseSchemaResponse(int32_t id, std::string_view body);

// {"schemaType":"PROTOBUF","schema":"<text>"}: the body of a registration.
std::string RegisterRequestBody(std::string_view schema_text);

}  // namespace cdc::agent
