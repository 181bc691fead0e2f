// SchemaRegistryClient against a scripted HTTP server on 127.0.0.1: what it
// sends, what it caches, and how it fails over. The real registry is tested
// in tests/integration/registry_client_test.cc.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/schema_registry.h"

namespace cdc::agent {
namespace {

// A listening socket on 127.0.0.1 with an ephemeral port.
int Listen(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 16) != 0) {
    return -1;
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

// A port on 127.0.0.1 that nothing listens on (bound, then released).
int ClosedPort() {
  int port = 0;
  int fd = Listen(&port);
  close(fd);
  return port;
}

struct Answer {
  int status;
  std::string body;
};

// Serves one scripted answer per request, in order, and records each
// request's head and body. Closes every connection after its answer.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<Answer> answers) : answers_(answers.begin(), answers.end()) {
    fd_ = Listen(&port_);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    while (!stop_) {
      int conn = accept(fd_, nullptr, nullptr);
      if (conn < 0) return;
      std::string in;
      char buf[4096];
      size_t head_end = std::string::npos;
      size_t want = 0;
      while (true) {
        if (head_end == std::string::npos) {
          head_end = in.find("\r\n\r\n");
          if (head_end != std::string::npos) {
            size_t cl = in.find("Content-Length: ");
            want = head_end + 4 + (cl < head_end ? std::strtoul(in.c_str() + cl + 16, nullptr, 10) : 0);
          }
        }
        if (head_end != std::string::npos && in.size() >= want) break;
        ssize_t n = read(conn, buf, sizeof(buf));
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
      }
      Answer answer{500, "{\"message\":\"no scripted answer left\"}"};
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(in);
        if (!answers_.empty()) {
          answer = answers_.front();
          answers_.pop_front();
        }
      }
      std::string out = "HTTP/1.1 " + std::to_string(answer.status) +
                        " X\r\nContent-Type: application/json\r\nConnection: close\r\n"
                        "Content-Length: " +
                        std::to_string(answer.body.size()) + "\r\n\r\n" + answer.body;
      ssize_t unused = write(conn, out.data(), out.size());
      (void)unused;
      close(conn);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::deque<Answer> answers_;
  std::vector<std::string> requests_;
};

std::unique_ptr<SchemaRegistryClient> NewClient(const std::string& url,
                                                SchemaRegistryConfig config = {}) {
  config.url = url;
  Result<std::unique_ptr<SchemaRegistryClient>> client = SchemaRegistryClient::Create(config);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

TEST(SchemaRegistryClientTest, RegisterPostsTheSchemaAndCachesTheId) {
  ScriptedServer server({{200, R"({"id":7})"}, {200, R"({"id":8})"}, {200, R"({"id":9})"}});
  auto client = NewClient(server.url() + "/apis/ccompat/v7/");
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->requests_sent(), 0u);

  Result<int32_t> id = client->Register("cdc.s.t-value", "syntax = \"proto3\";\n");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, 7);
  id = client->Register("cdc.s.t-value", "syntax = \"proto3\";\n");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 7);
  EXPECT_EQ(client->requests_sent(), 1u);

  // Another subject, then another text: each is a request of its own.
  EXPECT_EQ(*client->Register("cdc.s.t-key", "syntax = \"proto3\";\n"), 8);
  EXPECT_EQ(*client->Register("cdc.s.t-value", "syntax = \"proto3\";\n\n"), 9);
  EXPECT_EQ(client->requests_sent(), 3u);

  std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  const std::string& first = requests[0];
  EXPECT_EQ(first.substr(0, first.find("\r\n")),
            "POST /apis/ccompat/v7/subjects/cdc.s.t-value/versions HTTP/1.1");
  EXPECT_NE(first.find("\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\n"),
            std::string::npos);
  EXPECT_EQ(first.substr(first.find("\r\n\r\n") + 4),
            R"({"schemaType":"PROTOBUF","schema":"syntax = \"proto3\";\n"})");
  EXPECT_EQ(first.find("Authorization:"), std::string::npos);
}

TEST(SchemaRegistryClientTest, BasicAuthAndEscapedSubject) {
  ScriptedServer server({{200, R"({"id":1})"}});
  SchemaRegistryConfig config;
  config.basic_auth_user = "user";
  config.basic_auth_password = "pass";
  auto client = NewClient(server.url(), config);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Register("a b/c", "x").ok());
  std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].substr(0, requests[0].find("\r\n")),
            "POST /subjects/a%20b%2Fc/versions HTTP/1.1");
  // base64("user:pass")
  EXPECT_NE(requests[0].find("\r\nAuthorization: Basic dXNlcjpwYXNz\r\n"), std::string::npos);
}

TEST(SchemaRegistryClientTest, ErrorsAreNotCached) {
  ScriptedServer server({{409, R"({"error_code":409,"message":"incompatible"})"},
                         {200, R"({"id":3})"}});
  auto client = NewClient(server.url());
  ASSERT_NE(client, nullptr);
  Result<int32_t> id = client->Register("s", "x");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().message(),
            "schema registry " + server.url() +
                ": the schema is incompatible with the versions of subject \"s\" (HTTP 409, "
                "error_code 409: incompatible); make the change compatible, or change the "
                "subject's compatibility level");
  id = client->Register("s", "x");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 3);
}

TEST(SchemaRegistryClientTest, FetchSchemaGetsById) {
  ScriptedServer server({{200, R"({"schema":"syntax = \"proto3\";","schemaType":"PROTOBUF"})"},
                         {404, R"({"error_code":40403,"message":"No content with ID '5' was found."})"}});
  auto client = NewClient(server.url());
  ASSERT_NE(client, nullptr);
  Result<RegisteredSchema> schema = client->FetchSchema(4);
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  EXPECT_EQ(schema->schema, "syntax = \"proto3\";");
  Result<RegisteredSchema> missing = client->FetchSchema(5);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
  std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].substr(0, requests[0].find("\r\n")), "GET /schemas/ids/4 HTTP/1.1");
}

TEST(SchemaRegistryClientTest, UnreachableIsRetryable) {
  const int port = ClosedPort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto client = NewClient(url);
  ASSERT_NE(client, nullptr);
  Result<int32_t> id = client->Register("s", "x");
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(id.status().IsIOError());
  EXPECT_TRUE(id.status().retryable());
  const std::string& m = id.status().message();
  const std::string prefix = "schema registry " + url + " is unreachable while registering subject \"s\": ";
  EXPECT_EQ(m.substr(0, prefix.size()), prefix) << m;
  EXPECT_NE(m.find("; check that the registry runs at schema_registry.url"), std::string::npos);
  EXPECT_EQ(m.find('\n'), std::string::npos);
}

TEST(SchemaRegistryClientTest, FailsOverToTheNextUrlAndStaysThere) {
  ScriptedServer server({{200, R"({"id":1})"}, {200, R"({"id":2})"}});
  const std::string down = "http://127.0.0.1:" + std::to_string(ClosedPort());
  auto client = NewClient(down + "," + server.url());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Register("a", "x").ok());
  EXPECT_EQ(client->requests_sent(), 2u);
  ASSERT_TRUE(client->Register("b", "x").ok());
  EXPECT_EQ(client->requests_sent(), 3u);
}

TEST(SchemaRegistryClientTest, AllUrlsDown) {
  const std::string a = "http://127.0.0.1:" + std::to_string(ClosedPort());
  const std::string b = "http://127.0.0.1:" + std::to_string(ClosedPort());
  auto client = NewClient(a + "," + b);
  ASSERT_NE(client, nullptr);
  Result<int32_t> id = client->Register("s", "x");
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(id.status().retryable());
  const std::string prefix =
      "all 2 schema_registry.url entries failed; the last: schema registry " + b +
      " is unreachable";
  EXPECT_EQ(id.status().message().substr(0, prefix.size()), prefix) << id.status().message();
  EXPECT_EQ(client->requests_sent(), 2u);
}

TEST(SchemaRegistryClientTest, SilentServerTimesOut) {
  // Accepted by the kernel's backlog, never answered.
  int port = 0;
  int fd = Listen(&port);
  ASSERT_GE(fd, 0);
  SchemaRegistryConfig config;
  config.timeout_ms = 300;
  auto client = NewClient("http://127.0.0.1:" + std::to_string(port), config);
  ASSERT_NE(client, nullptr);
  Result<int32_t> id = client->Register("s", "x");
  close(fd);
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(id.status().IsIOError());
  EXPECT_TRUE(id.status().retryable());
  EXPECT_EQ(id.status().message(),
            "schema registry http://127.0.0.1:" + std::to_string(port) +
                " did not answer registering subject \"s\" within schema_registry.timeout_ms "
                "(300 ms)");
}

}  // namespace
}  // namespace cdc::agent
