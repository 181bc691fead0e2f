#include "agent/confluent_wire.h"

#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/proto_text.h"
#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

std::string Header(int32_t id, std::vector<int> indexes) {
  std::string out;
  AppendConfluentHeader(id, indexes, &out);
  return out;
}

std::string ZigZag(int32_t value) {
  std::string out;
  AppendZigZagVarint(value, &out);
  return out;
}

TEST(ConfluentWireTest, ZigZagVarints) {
  EXPECT_EQ(ZigZag(0), Bytes({0x00}));
  EXPECT_EQ(ZigZag(-1), Bytes({0x01}));
  EXPECT_EQ(ZigZag(1), Bytes({0x02}));
  EXPECT_EQ(ZigZag(-2), Bytes({0x03}));
  EXPECT_EQ(ZigZag(63), Bytes({0x7e}));
  EXPECT_EQ(ZigZag(-64), Bytes({0x7f}));
  EXPECT_EQ(ZigZag(64), Bytes({0x80, 0x01}));
  EXPECT_EQ(ZigZag(100), Bytes({0xc8, 0x01}));
  EXPECT_EQ(ZigZag(8192), Bytes({0x80, 0x80, 0x01}));
  EXPECT_EQ(ZigZag(2147483647), Bytes({0xfe, 0xff, 0xff, 0xff, 0x0f}));
  EXPECT_EQ(ZigZag(-2147483647 - 1), Bytes({0xff, 0xff, 0xff, 0xff, 0x0f}));
}

TEST(ConfluentWireTest, SchemaIdIsBigEndianAfterTheMagicByte) {
  EXPECT_EQ(Header(1, {0}), Bytes({0x00, 0x00, 0x00, 0x00, 0x01, 0x00}));
  EXPECT_EQ(Header(0x01020304, {0}), Bytes({0x00, 0x01, 0x02, 0x03, 0x04, 0x00}));
  EXPECT_EQ(Header(2147483647, {0}), Bytes({0x00, 0x7f, 0xff, 0xff, 0xff, 0x00}));
}

TEST(ConfluentWireTest, FirstMessageIsTheSingleByteZero) {
  EXPECT_EQ(Header(7, {0}), Bytes({0x00, 0x00, 0x00, 0x00, 0x07, 0x00}));
  // Count 0 is the format's shorthand for [0], so an empty path is the same.
  EXPECT_EQ(Header(7, {}), Bytes({0x00, 0x00, 0x00, 0x00, 0x07, 0x00}));
}

TEST(ConfluentWireTest, OtherPathsAreCountThenIndexes) {
  // [1]: count 1 -> 02, index 1 -> 02.
  EXPECT_EQ(Header(5, {1}), Bytes({0x00, 0x00, 0x00, 0x00, 0x05, 0x02, 0x02}));
  // [14]: one byte per varint below 64.
  EXPECT_EQ(Header(5, {14}), Bytes({0x00, 0x00, 0x00, 0x00, 0x05, 0x02, 0x1c}));
  // [2, 1]: a nested message.
  EXPECT_EQ(Header(5, {2, 1}), Bytes({0x00, 0x00, 0x00, 0x00, 0x05, 0x04, 0x04, 0x02}));
  // [0, 0]: only the path [0] itself has the shorthand.
  EXPECT_EQ(Header(5, {0, 0}), Bytes({0x00, 0x00, 0x00, 0x00, 0x05, 0x04, 0x00, 0x00}));
  // Multi-byte index: 100 -> c8 01.
  EXPECT_EQ(Header(5, {3, 100}), Bytes({0x00, 0x00, 0x00, 0x00, 0x05, 0x04, 0x06, 0xc8, 0x01}));
}

TEST(ConfluentWireTest, AppendKeepsWhatIsInTheBuffer) {
  std::string out = "x";
  AppendConfluentHeader(1, std::vector<int>{15}, &out);
  EXPECT_EQ(out, "x" + Bytes({0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x1e}));
}

TEST(ConfluentWireTest, ParseRoundTrips) {
  for (const std::vector<int>& path :
       {std::vector<int>{0}, {14}, {15}, {2, 1}, {0, 0}, {3, 100, 7}, {1000000}}) {
    std::string bytes = Header(123456, path) + "payload";
    Result<ConfluentHeader> header = ParseConfluentHeader(bytes);
    ASSERT_TRUE(header.ok()) << header.status().ToString();
    EXPECT_EQ(header->schema_id, 123456);
    EXPECT_EQ(header->message_indexes, path);
    EXPECT_EQ(bytes.substr(header->payload_offset), "payload");
  }
}

TEST(ConfluentWireTest, ParseCountZeroIsFirstMessage) {
  Result<ConfluentHeader> header = ParseConfluentHeader(Bytes({0, 0, 0, 1, 0, 0}));
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->schema_id, 256);
  EXPECT_EQ(header->message_indexes, std::vector<int>{0});
  EXPECT_EQ(header->payload_offset, 6u);
}

void ExpectCorruption(const std::string& bytes, const std::string& message) {
  Result<ConfluentHeader> header = ParseConfluentHeader(bytes);
  ASSERT_FALSE(header.ok());
  EXPECT_TRUE(header.status().IsCorruption());
  EXPECT_EQ(header.status().message(), message);
}

TEST(ConfluentWireTest, ParseErrorsNameFieldAndOffset) {
  ExpectCorruption("", "Confluent header: empty message, expected the magic byte 0");
  ExpectCorruption(Bytes({1, 0, 0, 0, 1, 0}),
                   "Confluent header: magic byte at byte 0 is 1, expected 0");
  ExpectCorruption(Bytes({0, 0, 0}),
                   "Confluent header: schema id at byte 1 needs 4 bytes, 2 left");
  ExpectCorruption(Bytes({0, 0, 0, 0, 1}),
                   "Confluent header: message index count varint ends at byte 5, the end of "
                   "the message");
  ExpectCorruption(Bytes({0, 0, 0, 0, 1, 0x80}),
                   "Confluent header: message index count varint ends at byte 6, the end of "
                   "the message");
  // Count -1.
  ExpectCorruption(Bytes({0, 0, 0, 0, 1, 0x01, 0x02}),
                   "Confluent header: message index count -1 at byte 5 with 1 bytes left");
  // Count 3 with two bytes left.
  ExpectCorruption(Bytes({0, 0, 0, 0, 1, 0x06, 0x02, 0x02}),
                   "Confluent header: message index count 3 at byte 5 with 2 bytes left");
  // An index whose varint does not end.
  ExpectCorruption(Bytes({0, 0, 0, 0, 1, 0x04, 0x02, 0x80}),
                   "Confluent header: message index varint ends at byte 8, the end of the "
                   "message");
  ExpectCorruption(Bytes({0, 0, 0, 0, 1, 0x02, 0xff, 0xff, 0xff, 0xff, 0x7f, 0}),
                   "Confluent header: message index varint at byte 6 is longer than 32 bits");
}

TEST(ConfluentWireTest, MessageIndexesOfPublicMessages) {
  // Both are top-level messages: a path of one index, the message's position
  // in the file (checked against the text below).
  const google::protobuf::Descriptor* event = cdc::v1::ChangeEvent::descriptor();
  const google::protobuf::Descriptor* key = cdc::v1::RowKey::descriptor();
  ASSERT_EQ(ChangeEventMessageIndexes().size(), 1u);
  ASSERT_EQ(RowKeyMessageIndexes().size(), 1u);
  EXPECT_EQ(event->file()->message_type(ChangeEventMessageIndexes()[0]), event);
  EXPECT_EQ(key->file()->message_type(RowKeyMessageIndexes()[0]), key);
  EXPECT_EQ(MessageIndexes(*event), std::vector<int>{ChangeEventMessageIndexes()[0]});
}

// The index among the top-level messages of the registered text: lines that
// start with "message " (nested ones are indented) before the named one.
int TopLevelIndexInText(std::string_view text, std::string_view name) {
  int index = 0;
  size_t pos = 0;
  const std::string wanted = "message " + std::string(name) + " {";
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.substr(0, wanted.size()) == wanted) return index;
    if (line.substr(0, 8) == "message ") ++index;
    pos = end + 1;
  }
  return -1;
}

TEST(ConfluentWireTest, IndexesMatchTheRegisteredText) {
  EXPECT_EQ(TopLevelIndexInText(ChangeEventProtoText(), "ChangeEvent"),
            ChangeEventMessageIndexes()[0]);
  EXPECT_EQ(TopLevelIndexInText(ChangeEventProtoText(), "RowKey"), RowKeyMessageIndexes()[0]);
}

TEST(ConfluentWireTest, MessageIndexesOfNestedMessages) {
  // descriptor.proto: FileDescriptorSet, FileDescriptorProto, DescriptorProto
  // { ExtensionRange, ReservedRange, ... }.
  EXPECT_EQ(MessageIndexes(*google::protobuf::DescriptorProto::descriptor()),
            std::vector<int>{2});
  EXPECT_EQ(MessageIndexes(*google::protobuf::DescriptorProto::ExtensionRange::descriptor()),
            (std::vector<int>{2, 0}));
  EXPECT_EQ(MessageIndexes(*google::protobuf::DescriptorProto::ReservedRange::descriptor()),
            (std::vector<int>{2, 1}));
}

}  // namespace
}  // namespace cdc::agent
