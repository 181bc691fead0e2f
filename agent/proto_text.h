// The public event schema as text, compiled into the program: what cdc-agent
// registers with a schema registry and what `cdc-agent schema` prints.
//
// Thread: pure functions, safe from any thread.
#pragma once

#include <string_view>

namespace cdc::agent {

// The path of the file within proto/, as protoc and the registry name it.
inline constexpr std::string_view kChangeEventProtoPath = "cdc/v1/change_event.proto";

// The exact bytes of proto/cdc/v1/change_event.proto at build time (messages
// cdc.v1.ChangeEvent and cdc.v1.RowKey; no imports). Static storage: valid
// for the life of the program.
std::string_view ChangeEventProtoText();

}  // namespace cdc::agent
