// BinlogStream: the replication connection of the MySQL/MariaDB source. It
// registers as a replica (COM_BINLOG_DUMP through libmariadb's replication
// API) and hands over each event's raw bytes, which the source decodes with
// decoders/binlog like a file.
//
// Thread: Open, Poll and Close from the source's reader thread. While open,
// a receiver thread of its own reads events from the network into a bounded
// buffer, so the reader decodes while the next events arrive and knows when
// it has caught up (Poll returns what is there without waiting for more).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/config.h"
#include "agent/mysql/mysql_connection.h"
#include "common/status.h"

struct st_mariadb_rpl;
struct st_mariadb_rpl_event;

namespace cdc::agent::mysql {

// Where the stream starts. With a MariaDB GTID position (gtid_set not
// empty, server is MariaDB) the server finds the file itself and `file` and
// `pos` are ignored; otherwise the stream starts at file:pos.
struct StreamStart {
  std::string file;
  uint64_t pos = 4;
  std::string mariadb_gtid;  // "D-S-N,..." or empty
};

class BinlogStream {
 public:
  // Events buffered ahead of the reader, at most (the reader may hold as
  // much again, taken by the last Poll). The receiver fills it far faster
  // than the reader decodes (the network read alone runs at over ten million
  // rows a second here), so a few thousand rows ahead keep the reader busy;
  // more only costs memory (4 MiB held 7 MB more at the peak of a drain).
  static constexpr size_t kMaxBufferedBytes = 1 << 20;

  BinlogStream() = default;
  ~BinlogStream();
  BinlogStream(const BinlogStream&) = delete;
  BinlogStream& operator=(const BinlogStream&) = delete;

  // Connects, announces checksum support and the heartbeat period, starts
  // the dump and the receiver thread. The server's first events are a ROTATE
  // naming the file and its FORMAT_DESCRIPTION.
  Status Open(const MysqlSourceConfig& config, const StreamStart& start);
  // Stops the receiver (by shutting the socket down, so it never waits for
  // the server) and closes the connection.
  void Close();
  bool open() const { return receiver_.joinable(); }

  // Moves every event received so far into `events` (each whole: header to
  // checksum), waiting up to `timeout` for the first. An empty `events` with
  // OK means nothing arrived (the server sends a heartbeat when idle). Once
  // the connection fails, the events received before the failure are
  // returned first, then the error (retryable when the connection broke).
  Status Poll(std::vector<std::string>* events, std::chrono::milliseconds timeout);
  // Ends the wait of a Poll in progress, or of the next one, at once (from
  // any thread).
  void Wake();

  // The binlog checksum algorithm the server sends events with: true for
  // CRC32, false for none.
  bool checksum() const { return checksum_; }
  const std::string& server_version() const { return conn_.server_version(); }
  bool is_mariadb() const { return conn_.is_mariadb(); }

 private:
  Status RplError(const std::string& what);
  // One event from the network (blocking).
  Result<std::string_view> Fetch();
  void Receive();

  MysqlConnection conn_;
  st_mariadb_rpl* rpl_ = nullptr;
  st_mariadb_rpl_event* event_ = nullptr;
  bool checksum_ = false;
  std::string describe_start_;
  int socket_ = -1;

  std::thread receiver_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> buffered_;
  size_t buffered_bytes_ = 0;
  Status failure_;  // set once the receiver stops on an error
  bool failed_ = false;
  bool closing_ = false;
  bool woken_ = false;  // Wake was called since the last Poll
};

}  // namespace cdc::agent::mysql
