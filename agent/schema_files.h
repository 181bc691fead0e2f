// `cdc-agent schema`: the public event schema for consumers, as the .proto
// text (agent/proto_text.h) and as a protobuf FileDescriptorSet, which tools
// and dynamic decoders load without protoc (`protoc --decode
// --descriptor_set_in=FILE`, Python's message_factory, Java's
// DynamicMessage).
//
// Thread: pure functions, safe from any thread.
#pragma once

#include <string>

#include "common/status.h"

namespace cdc::agent {

// The serialized FileDescriptorSet of cdc/v1/change_event.proto and every
// file it imports, imports first.
std::string EventDescriptorSet();

// Writes EventDescriptorSet() to `path` (replacing it). IOError naming the
// path and the reason when it cannot be written.
Status WriteEventDescriptorSet(const std::string& path);

}  // namespace cdc::agent
