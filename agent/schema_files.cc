#include "agent/schema_files.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {
namespace {

void AddWithImports(const google::protobuf::FileDescriptor* file,
                    std::set<const google::protobuf::FileDescriptor*>* seen,
                    google::protobuf::FileDescriptorSet* set) {
  if (!seen->insert(file).second) return;
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddWithImports(file->dependency(i), seen, set);
  }
  file->CopyTo(set->add_file());
}

}  // namespace

std::string EventDescriptorSet() {
  google::protobuf::FileDescriptorSet set;
  std::set<const google::protobuf::FileDescriptor*> seen;
  AddWithImports(cdc::v1::ChangeEvent::descriptor()->file(), &seen, &set);
  return set.SerializeAsString();
}

Status WriteEventDescriptorSet(const std::string& path) {
  const std::string bytes = EventDescriptorSet();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (out) out.close();
  if (!out) {
    return Status::IOError("--descriptor-set: cannot write " + path + ": " +
                           std::strerror(errno));
  }
  return Status::OK();
}

}  // namespace cdc::agent
