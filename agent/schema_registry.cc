#include "agent/schema_registry.h"

#include <curl/curl.h>

#include <mutex>
#include <string>
#include <utility>

#include "agent/schema_registry_response.h"

namespace cdc::agent {

namespace {

// Larger answers are cut off: a schema is a few kilobytes, and a registry
// that sends megabytes is not one.
constexpr size_t kMaxBodyBytes = 16 << 20;

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t n = size * count;
  if (body->size() + n > kMaxBodyBytes) return 0;  // curl then fails with CURLE_WRITE_ERROR
  body->append(data, n);
  return n;
}

// Percent-encodes everything but RFC 3986's unreserved characters, so that
// a subject is one path segment.
std::string EscapePathSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0f]);
    }
  }
  return out;
}

bool IsTlsError(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
      return true;
    default:
      return false;
  }
}

// The Status of a request that got no HTTP answer.
Status TransportError(const RegistryRequestInfo& request, CURLcode code, const char* error_buffer,
                      int timeout_ms) {
  std::string reason = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  const std::string at = "schema registry " + std::string(request.url);
  if (IsTlsError(code)) {
    return Status::InvalidArgument(
        "TLS with " + at + " failed while " + std::string(request.what) + ": " + reason +
        "; check schema_registry.ssl_ca_location, ssl_certificate_location, ssl_key_location "
        "and ssl_verify");
  }
  if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
    return Status::InvalidArgument(at + ": " + reason + "; check schema_registry.url");
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return Status::IOError(at + " did not answer " + std::string(request.what) +
                               " within schema_registry.timeout_ms (" +
                               std::to_string(timeout_ms) + " ms)",
                           /*retryable=*/true);
  }
  if (code == CURLE_WRITE_ERROR) {
    return Status::Corruption(at + " sent an answer larger than " +
                              std::to_string(kMaxBodyBytes >> 20) + " MiB while " +
                              std::string(request.what));
  }
  return Status::IOError(at + " is unreachable while " + std::string(request.what) + ": " +
                             reason + "; check that the registry runs at schema_registry.url",
                         /*retryable=*/true);
}

}  // namespace

// One curl easy handle, reused so that connections are kept alive.
struct SchemaRegistryClient::Http {
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};

  ~Http() {
    if (headers != nullptr) curl_slist_free_all(headers);
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

Result<std::unique_ptr<SchemaRegistryClient>> SchemaRegistryClient::Create(
    const SchemaRegistryConfig& config) {
  CDC_RETURN_IF_ERROR(ValidateSchemaRegistryConfig(config));
  Result<std::vector<std::string>> urls = SplitRegistryUrls(config.url);
  if (!urls.ok()) return urls.status();
  // curl_global_init is thread-safe only from libcurl 7.84 on; once is enough.
  static std::once_flag global_init;
  static CURLcode global_status = CURLE_OK;
  std::call_once(global_init, [] { global_status = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (global_status != CURLE_OK) {
    return Status::IOError(std::string("cannot initialise libcurl: ") +
                           curl_easy_strerror(global_status));
  }
  std::unique_ptr<SchemaRegistryClient> client(
      new SchemaRegistryClient(config, std::move(urls).value()));
  Http& http = *client->http_;
  http.curl = curl_easy_init();
  if (http.curl == nullptr) return Status::IOError("cannot create a libcurl handle");
  http.headers = curl_slist_append(http.headers,
                                   "Content-Type: application/vnd.schemaregistry.v1+json");
  http.headers = curl_slist_append(
      http.headers,
      "Accept: application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, "
      "application/json");
  if (http.headers == nullptr) return Status::IOError("cannot allocate libcurl headers");
  CURL* c = http.curl;
  bool ok = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config.timeout_ms)) ==
                CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                             static_cast<long>(config.timeout_ms)) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_HTTPHEADER, http.headers) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_ERRORBUFFER, http.error) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, AppendBody) == CURLE_OK &&
            curl_easy_setopt(c, CURLOPT_USERAGENT, "cdc-agent") == CURLE_OK;
  if (ok && !config.basic_auth_user.empty()) {
    ok = curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_USERNAME, config.basic_auth_user.c_str()) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_PASSWORD, config.basic_auth_password.c_str()) == CURLE_OK;
  }
  if (ok && !config.ssl_ca_location.empty()) {
    ok = curl_easy_setopt(c, CURLOPT_CAINFO, config.ssl_ca_location.c_str()) == CURLE_OK;
  }
  if (ok && !config.ssl_certificate_location.empty()) {
    const std::string& key = config.ssl_key_location.empty() ? config.ssl_certificate_location
                                                             : config.ssl_key_location;
    ok = curl_easy_setopt(c, CURLOPT_SSLCERT, config.ssl_certificate_location.c_str()) ==
             CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_SSLKEY, key.c_str()) == CURLE_OK;
  }
  if (ok && !config.ssl_key_password.empty()) {
    ok = curl_easy_setopt(c, CURLOPT_KEYPASSWD, config.ssl_key_password.c_str()) == CURLE_OK;
  }
  if (ok && !config.ssl_verify) {
    ok = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L) == CURLE_OK &&
         curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L) == CURLE_OK;
  }
  if (!ok) {
    return Status::InvalidArgument(
        std::string("libcurl refused a schema_registry setting: ") + http.error +
        " (is libcurl built with TLS?)");
  }
  return client;
}

SchemaRegistryClient::SchemaRegistryClient(SchemaRegistryConfig config,
                                           std::vector<std::string> urls)
    : config_(std::move(config)), urls_(std::move(urls)), http_(std::make_unique<Http>()) {}

SchemaRegistryClient::~SchemaRegistryClient() = default;

Result<std::string> SchemaRegistryClient::Send(std::string_view path, std::string_view post_body,
                                               std::string_view what, std::string_view subject) {
  CURL* c = http_->curl;
  Status last;
  for (size_t attempt = 0; attempt < urls_.size(); ++attempt) {
    const size_t index = (current_url_ + attempt) % urls_.size();
    const std::string& base = urls_[index];
    const RegistryRequestInfo request{base, what, subject};
    const std::string url = base + std::string(path);
    std::string body;
    http_->error[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    if (post_body.empty()) {
      curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post_body.size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body.data());
    }
    ++requests_sent_;
    const CURLcode code = curl_easy_perform(c);
    if (code != CURLE_OK) {
      last = TransportError(request, code, http_->error, config_.timeout_ms);
    } else {
      long http_status = 0;
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http_status);
      if (http_status >= 200 && http_status <= 299) {
        current_url_ = index;
        return body;
      }
      last = RegistryHttpError(request, http_status, body);
    }
    if (!last.retryable()) {
      current_url_ = index;
      return last;
    }
  }
  if (urls_.size() > 1) {
    last = last.WithContext("all " + std::to_string(urls_.size()) +
                            " schema_registry.url entries failed; the last");
  }
  return last;
}

Result<int32_t> SchemaRegistryClient::Register(std::string_view subject,
                                               std::string_view schema_text) {
  auto cached = ids_.find(CacheKeyView{subject, schema_text});
  if (cached != ids_.end()) return cached->second;
  const std::string what = "registering subject \"" + std::string(subject) + "\"";
  Result<std::string> body =
      Send("/subjects/" + EscapePathSegment(subject) + "/versions",
           RegisterRequestBody(schema_text), what, subject);
  if (!body.ok()) return body.status();
  Result<int32_t> id = ParseRegisterResponse(*body);
  if (!id.ok()) return id.status().WithContext(what);
  ids_.emplace(CacheKey{std::string(subject), std::string(schema_text)}, *id);
  return id;
}

Result<RegisteredSchema> SchemaRegistryClient::FetchSchema(int32_t id) {
  const std::string what = "fetching schema id " + std::to_string(id);
  Result<std::string> body = Send("/schemas/ids/" + std::to_string(id), {}, what, {});
  if (!body.ok()) return body.status();
  return ParseSchemaResponse(id, *body);
}

}  // namespace cdc::agent
