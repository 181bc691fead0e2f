#include "agent/schema_registry_response.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "agent/event_json.h"

namespace cdc::agent {

namespace {

constexpr size_t kMaxQuotedBytes = 300;

// `text` on one line: control characters become blanks, runs of blanks one,
// and at most kMaxQuotedBytes bytes (not cutting a UTF-8 sequence) followed
// by "..." when cut.
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool blank = static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ' ';
    if (blank) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > kMaxQuotedBytes) {
    size_t cut = kMaxQuotedBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

// The body as a JSON object, or nullopt when it is not one.
std::optional<google::protobuf::Struct> ParseObject(std::string_view body) {
  google::protobuf::Struct object;
  google::protobuf::util::JsonParseOptions options;
  if (!google::protobuf::util::JsonStringToMessage(std::string(body), &object, options).ok()) {
    return std::nullopt;
  }
  return object;
}

const google::protobuf::Value* Field(const google::protobuf::Struct& object, const char* name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? nullptr : &it->second;
}

// An integral JSON number within [min, max], or nullopt.
std::optional<int64_t> IntegerField(const google::protobuf::Struct& object, const char* name,
                                    int64_t min, int64_t max) {
  const google::protobuf::Value* v = Field(object, name);
  if (v == nullptr || v->kind_case() != google::protobuf::Value::kNumberValue) return std::nullopt;
  const double d = v->number_value();
  if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(min) ||
      d > static_cast<double>(max)) {
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

const std::string* StringField(const google::protobuf::Struct& object, const char* name) {
  const google::protobuf::Value* v = Field(object, name);
  if (v == nullptr || v->kind_case() != google::protobuf::Value::kStringValue) return nullptr;
  return &v->string_value();
}

std::string Quoted(std::string_view subject) { return "\"" + std::string(subject) + "\""; }

// The parts of an error answer: the Confluent API's {"error_code", "message"},
// RFC 7807's {"title", "detail"} (Apicurio outside its Confluent API), or the
// first line of a body that is not JSON.
struct ErrorBody {
  std::optional<int64_t> error_code;
  std::string message;
};

ErrorBody ReadErrorBody(std::string_view body) {
  ErrorBody out;
  std::optional<google::protobuf::Struct> object = ParseObject(body);
  if (!object) {
    out.message = OneLine(body.substr(0, body.find('\n')));
    return out;
  }
  out.error_code = IntegerField(*object, "error_code", std::numeric_limits<int32_t>::min(),
                                std::numeric_limits<int32_t>::max());
  for (const char* name : {"message", "detail", "title"}) {
    const std::string* text = StringField(*object, name);
    if (text != nullptr && !text->empty()) {
      out.message = OneLine(*text);
      break;
    }
  }
  return out;
}

}  // namespace

std::string RegistryErrorDetail(long http_status, std::string_view body) {
  const ErrorBody error = ReadErrorBody(body);
  std::string detail = " (HTTP " + std::to_string(http_status);
  if (error.error_code) detail += ", error_code " + std::to_string(*error.error_code);
  if (!error.message.empty()) detail += ": " + error.message;
  return detail + ")";
}

Status RegistryHttpError(const RegistryRequestInfo& request, long http_status,
                         std::string_view body) {
  const std::string at = "schema registry " + std::string(request.url);
  const std::string detail = RegistryErrorDetail(http_status, body);
  const std::string subject = request.subject.empty() ? std::string() : Quoted(request.subject);
  switch (http_status) {
    case 401:
      return Status::InvalidArgument(at + " rejected the credentials while " +
                                     std::string(request.what) + detail +
                                     "; check schema_registry.basic_auth_user and "
                                     "schema_registry.basic_auth_password");
    case 403:
      return Status::InvalidArgument(
          at + " denied " + std::string(request.what) + detail +
          "; check that the user in schema_registry.basic_auth_user may " +
          (request.subject.empty() ? std::string("read schemas") : "write subject " + subject));
    case 409:
      return Status::InvalidArgument(
          at + ": the schema is incompatible with the versions of subject " + subject + detail +
          "; make the change compatible, or change the subject's compatibility level");
    case 422:
      return Status::InvalidArgument(at + ": invalid schema for subject " + subject + detail);
    case 404: {
      // The Confluent API's errors carry an error_code; without one the path
      // itself is unknown, so the URL is likely not the API's base.
      const bool api_error = ReadErrorBody(body).error_code.has_value();
      return Status::NotFound(at + ": not found while " + std::string(request.what) + detail +
                              (api_error ? std::string()
                                         : "; is schema_registry.url the base URL of the "
                                           "Confluent API (Apicurio: .../apis/ccompat/v7)?"));
    }
    case 408:
    case 429:
      return Status::IOError(at + " did not serve " + std::string(request.what) + detail,
                             /*retryable=*/true);
    default:
      break;
  }
  if (http_status >= 500 && http_status <= 599) {
    return Status::IOError(at + " failed while " + std::string(request.what) + detail,
                           /*retryable=*/true);
  }
  return Status::InvalidArgument(at + " refused " + std::string(request.what) + detail);
}

Result<int32_t> ParseRegisterResponse(std::string_view body) {
  std::optional<google::protobuf::Struct> object = ParseObject(body);
  if (!object) {
    return Status::Corruption("schema registry answer to a registration is not a JSON object: " +
                              OneLine(body));
  }
  std::optional<int64_t> id = IntegerField(*object, "id", 0, std::numeric_limits<int32_t>::max());
  if (!id) {
    return Status::Corruption(
        "schema registry answer to a registration has no integer \"id\" in 0..2147483647: " +
        OneLine(body));
  }
  return static_cast<int32_t>(*id);
}

Result<RegisteredSchema> ParseSchemaResponse(int32_t id, std::string_view body) {
  std::optional<google::protobuf::Struct> object = ParseObject(body);
  if (!object) {
    return Status::Corruption("schema registry answer for schema id " + std::to_string(id) +
                              " is not a JSON object: " + OneLine(body));
  }
  const std::string* schema = StringField(*object, "schema");
  if (schema == nullptr) {
    return Status::Corruption("schema registry answer for schema id " + std::to_string(id) +
                              " has no string \"schema\": " + OneLine(body));
  }
  RegisteredSchema out;
  out.id = id;
  out.schema = *schema;
  const std::string* type = StringField(*object, "schemaType");
  out.schema_type = type == nullptr ? "AVRO" : *type;
  return out;
}

std::string RegisterRequestBody(std::string_view schema_text) {
  return "{\"schemaType\":\"PROTOBUF\",\"schema\":" + JsonQuote(schema_text) + "}";
}

}  // namespace cdc::agent
