#include "agent/mysql/binlog_stream.h"

#include <mysql.h>
#include <mariadb_rpl.h>
#include <sys/socket.h>

#include "common/thread_name.h"

namespace cdc::agent::mysql {

BinlogStream::~BinlogStream() { Close(); }

void BinlogStream::Close() {
  if (receiver_.joinable()) {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    // Wakes a receiver blocked in a read; the descriptor stays valid until
    // the connection is closed below.
    if (socket_ >= 0) shutdown(socket_, SHUT_RDWR);
    receiver_.join();
  }
  socket_ = -1;
  buffered_.clear();
  buffered_bytes_ = 0;
  failed_ = false;
  failure_ = Status::OK();
  closing_ = false;
  if (event_ != nullptr) mariadb_free_rpl_event(event_);
  event_ = nullptr;
  if (rpl_ != nullptr) {
    // mariadb_rpl_close does not close the MYSQL handle it was given.
    mariadb_rpl_close(rpl_);
  }
  rpl_ = nullptr;
  conn_.Close();
}

Status BinlogStream::RplError(const std::string& what) {
  unsigned int number = mariadb_rpl_errno(rpl_);
  const char* message = mariadb_rpl_error(rpl_);
  if (number == 0 && conn_.raw() != nullptr) {
    number = mysql_errno(conn_.raw());
    message = mysql_error(conn_.raw());
  }
  return ClientError(conn_.endpoint(), what, number, message);
}

Status BinlogStream::Open(const MysqlSourceConfig& config, const StreamStart& start) {
  Close();
  // A read waits at most a few heartbeats: a silent, dead connection is
  // noticed instead of blocking forever.
  int read_timeout_s = config.heartbeat_interval_ms * 3 / 1000 + 5;
  CDC_RETURN_IF_ERROR(conn_.Connect(config, read_timeout_s));

  CDC_ASSIGN_OR_RETURN(std::optional<std::string> alg,
                       conn_.Scalar("SELECT @@global.binlog_checksum"));
  checksum_ = alg.value_or("NONE") != "NONE";
  // The server sends checksums only to replicas that say they verify them.
  CDC_RETURN_IF_ERROR(conn_.Execute("SET @master_binlog_checksum = @@global.binlog_checksum"));
  // While Kafka is slow the receiver stops reading; the server must not end
  // the dump for that.
  CDC_RETURN_IF_ERROR(conn_.Execute("SET SESSION net_write_timeout = 3600"));
  const uint64_t heartbeat_ns = static_cast<uint64_t>(config.heartbeat_interval_ms) * 1000000;
  CDC_RETURN_IF_ERROR(
      conn_.Execute("SET @master_heartbeat_period = " + std::to_string(heartbeat_ns)));

  const bool by_gtid = conn_.is_mariadb() && !start.mariadb_gtid.empty();
  if (conn_.is_mariadb()) {
    // 4: the replica understands GTID events (MariaDB 10.0 and later).
    CDC_RETURN_IF_ERROR(conn_.Execute("SET @mariadb_slave_capability = 4"));
  }
  if (by_gtid) {
    CDC_RETURN_IF_ERROR(conn_.Execute("SET @slave_connect_state = " +
                                      conn_.QuoteLiteral(start.mariadb_gtid)));
    CDC_RETURN_IF_ERROR(conn_.Execute("SET @slave_gtid_strict_mode = 1"));
    describe_start_ = "GTID position " + start.mariadb_gtid;
  } else {
    describe_start_ = start.file + ":" + std::to_string(start.pos);
  }

  rpl_ = mariadb_rpl_init(conn_.raw());
  if (rpl_ == nullptr) return Status::IOError(conn_.endpoint() + ": out of memory in rpl_init");
  const std::string file = by_gtid ? std::string() : start.file;
  unsigned long pos = by_gtid ? 4 : static_cast<unsigned long>(start.pos);
  unsigned int server_id = config.server_id;
  unsigned int flags = 0;  // blocking: wait for new events at the end
  if (mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FILENAME, file.c_str(), file.size()) != 0 ||
      mariadb_rpl_optionsv(rpl_, MARIADB_RPL_START, pos) != 0 ||
      mariadb_rpl_optionsv(rpl_, MARIADB_RPL_SERVER_ID, server_id) != 0 ||
      mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FLAGS, flags) != 0) {
    return RplError("cannot set the replication options");
  }
  if (mariadb_rpl_open(rpl_) != 0) {
    return RplError("cannot start the binlog dump at " + describe_start_);
  }
  socket_ = static_cast<int>(mysql_get_socket(conn_.raw()));
  receiver_ = std::thread([this] {
    NameThisThread("cdc-binlog-recv");
    Receive();
  });
  return Status::OK();
}

void BinlogStream::Receive() {
  while (true) {
    Result<std::string_view> event = Fetch();
    std::unique_lock lock(mu_);
    if (closing_) return;
    if (!event.ok()) {
      failure_ = event.status();
      failed_ = true;
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [&] { return closing_ || buffered_bytes_ < kMaxBufferedBytes; });
    if (closing_) return;
    buffered_bytes_ += event->size();
    buffered_.emplace_back(*event);
    cv_.notify_all();
  }
}

Status BinlogStream::Poll(std::vector<std::string>* events, std::chrono::milliseconds timeout) {
  events->clear();
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return failed_ || woken_ || !buffered_.empty(); });
  woken_ = false;
  if (buffered_.empty()) return failed_ ? failure_ : Status::OK();
  events->reserve(buffered_.size());
  for (auto& e : buffered_) events->push_back(std::move(e));
  buffered_.clear();
  buffered_bytes_ = 0;
  cv_.notify_all();
  return Status::OK();
}

void BinlogStream::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

Result<std::string_view> BinlogStream::Fetch() {
  if (rpl_ == nullptr) return Status::IOError(conn_.endpoint() + ": stream not open", true);
  // A fresh event each time: reusing one would make libmariadb overwrite the
  // memory of the previous event.
  if (event_ != nullptr) mariadb_free_rpl_event(event_);
  event_ = mariadb_rpl_fetch(rpl_, nullptr);
  if (event_ == nullptr) {
    unsigned int number = mariadb_rpl_errno(rpl_);
    if (number == 0 && conn_.raw() != nullptr) number = mysql_errno(conn_.raw());
    if (number == 0) {
      return Status::IOError(conn_.endpoint() + ": the server ended the binlog stream", true);
    }
    return RplError("binlog stream from " + describe_start_ + " failed");
  }
  // raw_data is the network packet: the OK byte (0x00), then the event.
  if (event_->raw_data == nullptr || event_->raw_data_size < 20 || event_->raw_data[0] != 0) {
    return Status::Corruption(conn_.endpoint() + ": replication packet without an event after " +
                              describe_start_);
  }
  return std::string_view(reinterpret_cast<const char*>(event_->raw_data) + 1,
                          event_->raw_data_size - 1);
}

}  // namespace cdc::agent::mysql
