// FORMAT_DESCRIPTION events of the server flavours the binlog harnesses
// decode under, so that a fuzz input is one event and not a whole file.
#pragma once

#include <cstdint>
#include <string>

#include "decoders/binlog/events.h"

namespace cdc::fuzz {

// Flavours, chosen by the selector byte of a fuzz_binlog_event input:
// 0 MySQL 8.0, 1 MariaDB 10.11, 2 MySQL 5.7, 3 MySQL 5.5 (no checksum field).
inline constexpr uint8_t kFlavourCount = 4;

// A whole FORMAT_DESCRIPTION event (header included) of flavour
// `selector % kFlavourCount`, with the post-header lengths those servers
// write and checksums off.
std::string FormatDescriptionEvent(uint8_t selector);

// The flavour whose post-header lengths are closest to `format`'s.
uint8_t FlavourOf(const binlog::FormatDescription& format);

// Overwrites event_size in the header of `event` (at least 19 bytes) with
// its length.
void PatchEventSize(std::string* event);

}  // namespace cdc::fuzz
