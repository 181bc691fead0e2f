// The schema `cdc-agent schema` gives consumers: the embedded .proto text
// and the FileDescriptorSet, each able to decode a real event.
#include "agent/schema_files.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/proto_text.h"
#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {
namespace {

TEST(SchemaFilesTest, ProtoTextIsTheSourceFile) {
  std::ifstream in(std::string(CDC_SOURCE_DIR) + "/proto/" + std::string(kChangeEventProtoPath));
  ASSERT_TRUE(in) << "proto/" << kChangeEventProtoPath;
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_EQ(ChangeEventProtoText(), file.str());
}

TEST(SchemaFilesTest, DescriptorSetDecodesAnEvent) {
  google::protobuf::FileDescriptorSet set;
  ASSERT_TRUE(set.ParseFromString(EventDescriptorSet()));
  ASSERT_GE(set.file_size(), 1);
  EXPECT_EQ(set.file(set.file_size() - 1).name(), kChangeEventProtoPath);

  // A pool built from the set alone, as a consumer without our code has it.
  google::protobuf::DescriptorPool pool;
  for (const auto& file : set.file()) ASSERT_NE(pool.BuildFile(file), nullptr) << file.name();
  const google::protobuf::Descriptor* type = pool.FindMessageTypeByName("cdc.v1.ChangeEvent");
  ASSERT_NE(type, nullptr);
  ASSERT_NE(pool.FindMessageTypeByName("cdc.v1.RowKey"), nullptr);

  cdc::v1::ChangeEvent event;
  event.set_op(cdc::v1::OP_UPDATE);
  event.mutable_source()->set_table("orders");
  auto* column = event.add_after();
  column->set_name("total");
  column->mutable_value()->set_decimal_value("12.50");
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<google::protobuf::Message> decoded(factory.GetPrototype(type)->New());
  ASSERT_TRUE(decoded->ParseFromString(event.SerializeAsString()));
  EXPECT_EQ(decoded->ShortDebugString(), event.ShortDebugString());
}

TEST(SchemaFilesTest, WriteNamesAnUnwritablePath) {
  const std::string dir = std::filesystem::temp_directory_path() / "cdc-schema-files-test";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/events.pb";
  ASSERT_TRUE(WriteEventDescriptorSet(path).ok());
  EXPECT_EQ(std::filesystem::file_size(path), EventDescriptorSet().size());
  Status bad = WriteEventDescriptorSet(dir + "/missing/events.pb");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "--descriptor-set: cannot write " + dir +
                               "/missing/events.pb: No such file or directory");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cdc::agent
