#include "agent/event_json.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>

namespace cdc::agent {
namespace {

std::string MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = false;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    // Keeps the output one JSON object per line even for a message the
    // printer refuses.
    return "{\"json_error\":" + JsonQuote(status.ToString()) + "}";
  }
  return json;
}

}  // namespace

std::string EventToJson(const cdc::v1::ChangeEvent& event) { return MessageToJson(event); }

std::string RowKeyToJson(const cdc::v1::RowKey& key) { return MessageToJson(key); }

std::string JsonQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace cdc::agent
