// Subject names and the checks of SchemaRegistryConfig.
#include <unistd.h>

#include <string>

#include "agent/schema_registry.h"
#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {

namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

Status CheckReadableFile(const std::string& path, const char* key) {
  if (path.empty()) return Status::OK();
  if (access(path.c_str(), R_OK) != 0) {
    return Status::InvalidArgument(std::string("schema_registry.") + key + ": cannot read '" +
                                   path + "'");
  }
  return Status::OK();
}

}  // namespace

Result<SubjectNameStrategy> ParseSubjectNameStrategy(std::string_view text) {
  if (text == "topic-name") return SubjectNameStrategy::kTopicName;
  if (text == "record-name") return SubjectNameStrategy::kRecordName;
  if (text == "topic-record-name") return SubjectNameStrategy::kTopicRecordName;
  return Status::InvalidArgument("schema_registry.subject_name_strategy: unknown strategy '" +
                                 std::string(text) +
                                 "' (known: topic-name, record-name, topic-record-name)");
}

std::string_view SubjectNameStrategyName(SubjectNameStrategy strategy) {
  switch (strategy) {
    case SubjectNameStrategy::kTopicName: return "topic-name";
    case SubjectNameStrategy::kRecordName: return "record-name";
    case SubjectNameStrategy::kTopicRecordName: return "topic-record-name";
  }
  return "topic-name";
}

std::string SubjectName(SubjectNameStrategy strategy, std::string_view topic, SchemaRole role) {
  const std::string& record = role == SchemaRole::kKey
                                  ? cdc::v1::RowKey::descriptor()->full_name()
                                  : cdc::v1::ChangeEvent::descriptor()->full_name();
  switch (strategy) {
    case SubjectNameStrategy::kTopicName:
      return std::string(topic) + (role == SchemaRole::kKey ? "-key" : "-value");
    case SubjectNameStrategy::kRecordName:
      return record;
    case SubjectNameStrategy::kTopicRecordName:
      return std::string(topic) + "-" + record;
  }
  return std::string(topic) + (role == SchemaRole::kKey ? "-key" : "-value");
}

Result<std::vector<std::string>> SplitRegistryUrls(std::string_view url) {
  std::vector<std::string> urls;
  if (Trim(url).empty()) {
    return Status::InvalidArgument("schema_registry.url is empty; give the registry's base URL");
  }
  size_t start = 0;
  while (start <= url.size()) {
    size_t comma = url.find(',', start);
    if (comma == std::string_view::npos) comma = url.size();
    std::string_view entry = Trim(url.substr(start, comma - start));
    start = comma + 1;
    if (entry.empty()) {
      return Status::InvalidArgument("schema_registry.url '" + std::string(url) +
                                     "' has an empty entry");
    }
    size_t scheme_end = 0;
    if (StartsWith(entry, "http://")) {
      scheme_end = 7;
    } else if (StartsWith(entry, "https://")) {
      scheme_end = 8;
    } else {
      return Status::InvalidArgument("schema_registry.url entry '" + std::string(entry) +
                                     "' does not start with http:// or https://");
    }
    while (entry.size() > scheme_end && entry.back() == '/') entry.remove_suffix(1);
    if (entry.size() == scheme_end) {
      return Status::InvalidArgument("schema_registry.url entry '" + std::string(entry) +
                                     "' has no host");
    }
    if (entry.find_first_of(" \t\r\n") != std::string_view::npos) {
      return Status::InvalidArgument("schema_registry.url entry '" + std::string(entry) +
                                     "' contains a blank");
    }
    std::string_view authority = entry.substr(scheme_end);
    authority = authority.substr(0, authority.find('/'));
    if (authority.find('@') != std::string_view::npos) {
      // Printed in messages and logs, a URL must not carry a password.
      return Status::InvalidArgument(
          "schema_registry.url entry has credentials before '@'; put them in "
          "schema_registry.basic_auth_user and basic_auth_password");
    }
    urls.emplace_back(entry);
  }
  return urls;
}

Status ValidateSchemaRegistryConfig(const SchemaRegistryConfig& config) {
  Result<std::vector<std::string>> urls = SplitRegistryUrls(config.url);
  if (!urls.ok()) return urls.status();
  if (!config.basic_auth_user.empty() && config.basic_auth_password.empty()) {
    return Status::InvalidArgument(
        "schema_registry.basic_auth_user is set but basic_auth_password is empty");
  }
  if (config.basic_auth_user.empty() && !config.basic_auth_password.empty()) {
    return Status::InvalidArgument(
        "schema_registry.basic_auth_password is set but basic_auth_user is empty");
  }
  if (config.basic_auth_user.find(':') != std::string::npos) {
    return Status::InvalidArgument(
        "schema_registry.basic_auth_user contains ':', which HTTP basic authentication cannot "
        "carry");
  }
  if (!config.ssl_key_location.empty() && config.ssl_certificate_location.empty()) {
    return Status::InvalidArgument(
        "schema_registry.ssl_key_location is set without ssl_certificate_location");
  }
  if (!config.ssl_key_password.empty() && config.ssl_certificate_location.empty()) {
    return Status::InvalidArgument(
        "schema_registry.ssl_key_password is set without ssl_certificate_location");
  }
  const bool tls_settings = !config.ssl_ca_location.empty() ||
                            !config.ssl_certificate_location.empty() || !config.ssl_verify;
  bool any_https = false;
  for (const std::string& u : *urls) any_https = any_https || StartsWith(u, "https://");
  if (tls_settings && !any_https) {
    return Status::InvalidArgument(
        "schema_registry.ssl_* settings are given but no schema_registry.url is https://");
  }
  CDC_RETURN_IF_ERROR(CheckReadableFile(config.ssl_ca_location, "ssl_ca_location"));
  CDC_RETURN_IF_ERROR(
      CheckReadableFile(config.ssl_certificate_location, "ssl_certificate_location"));
  CDC_RETURN_IF_ERROR(CheckReadableFile(config.ssl_key_location, "ssl_key_location"));
  if (config.timeout_ms < 1 || config.timeout_ms > 600000) {
    return Status::InvalidArgument("schema_registry.timeout_ms is " +
                                   std::to_string(config.timeout_ms) +
                                   "; it must be in 1..600000");
  }
  return Status::OK();
}

}  // namespace cdc::agent
