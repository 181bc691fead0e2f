#include "agent/mysql/decode_binlog.h"

#include <fstream>
#include <sstream>
#include <unordered_map>

#include "agent/event_json.h"
#include "agent/mysql/row_event_builder.h"
#include "decoders/binlog/events.h"
#include "decoders/binlog/rows.h"

namespace cdc::agent::mysql {

namespace {

// State of one file's decoding.
class FileDecoder {
 public:
  FileDecoder(const std::string& path, const std::string& server_name, std::ostream& out,
              DecodeBinlogStats* stats)
      : path_(path), out_(out), stats_(stats) {
    ctx_.server_name = server_name;
    size_t slash = path.find_last_of('/');
    ctx_.file = slash == std::string::npos ? path : path.substr(slash + 1);
  }

  Status Run(std::string_view bytes) {
    binlog::FileReader reader(bytes);
    CDC_RETURN_IF_ERROR(reader.Open().WithContext(path_));
    while (true) {
      size_t offset = reader.offset();
      auto next = reader.Next();
      if (!next.ok()) return next.status().WithContext(path_);
      if (!next->has_value()) break;
      auto event = decoder_.Decode(**next);
      if (!event.ok()) return event.status().WithContext(Where(offset));
      CDC_RETURN_IF_ERROR(Handle(*event).WithContext(Where(offset)));
      if (event->header.type == static_cast<uint8_t>(binlog::EventType::kTransactionPayload)) {
        while (true) {
          auto inner = decoder_.NextPayloadEvent();
          if (!inner.ok()) return inner.status().WithContext(Where(offset));
          if (!inner->has_value()) break;
          (*inner)->header.log_pos = event->header.log_pos;
          CDC_RETURN_IF_ERROR(Handle(**inner).WithContext(Where(offset)));
        }
      }
    }
    for (const auto& [type, n] : decoder_.skipped()) stats_->skipped[type] += n;
    return Status::OK();
  }

 private:
  std::string Where(size_t offset) const { return path_ + " at offset " + std::to_string(offset); }

  Status Handle(const binlog::Event& event) {
    ++stats_->events;
    const auto& body = event.body;
    if (const auto* fd = std::get_if<binlog::FormatDescription>(&body)) {
      ctx_.kind = KindOf(*fd);
    } else if (const auto* map = std::get_if<binlog::TableMap>(&body)) {
      tables_[map->table_id] = binlog::SchemaFromTableMap(*map);
    } else if (const auto* g = std::get_if<binlog::MysqlGtid>(&body)) {
      StartTransaction(g->anonymous ? "" : g->ToString(), CommitTimeUs(*g, event.header));
    } else if (const auto* mg = std::get_if<binlog::MariaGtid>(&body)) {
      StartTransaction(mg->ToString(), CommitTimeUs(*mg, event.header));
    } else if (const auto* q = std::get_if<binlog::Query>(&body)) {
      if (q->sql == "BEGIN") ctx_.event_index = 0;
      if (q->sql == "COMMIT") txn_commit_time_us_ = 0;
    } else if (std::holds_alternative<binlog::Xid>(body)) {
      txn_commit_time_us_ = 0;
    } else if (const auto* rows = std::get_if<binlog::RowsEvent>(&body)) {
      return HandleRows(event.header, *rows);
    }
    return Status::OK();
  }

  void StartTransaction(std::string gtid, int64_t commit_time_us) {
    ctx_.gtid = std::move(gtid);
    ctx_.event_index = 0;
    txn_commit_time_us_ = commit_time_us;
  }

  Status HandleRows(const binlog::EventHeader& header, const binlog::RowsEvent& rows) {
    ++stats_->rows_events;
    auto it = tables_.find(rows.table_id);
    if (it == tables_.end()) {
      return Status::Corruption("rows event for table id " + std::to_string(rows.table_id) +
                                " without a TABLE_MAP before it");
    }
    const binlog::TableSchema& schema = it->second;
    ctx_.pos = header.log_pos;
    ctx_.commit_time_us = RowCommitTimeUs(txn_commit_time_us_, header);
    return binlog::DecodeRows(rows, schema, [&](binlog::RowChange& change) {
      bool has_key = BuildRowEvent(schema, rows.kind, change, ctx_, &event_, &key_);
      ++ctx_.event_index;
      ++stats_->rows;
      out_ << "{\"file\":" << JsonQuote(ctx_.file) << ",\"pos\":" << header.log_pos
           << ",\"key\":" << (has_key ? RowKeyToJson(key_) : "null")
           << ",\"value\":" << EventToJson(event_) << "}\n";
      return Status::OK();
    });
  }

  const std::string path_;
  std::ostream& out_;
  DecodeBinlogStats* stats_;
  binlog::EventDecoder decoder_;
  std::unordered_map<uint64_t, binlog::TableSchema> tables_;
  RowContext ctx_;
  int64_t txn_commit_time_us_ = 0;  // from the GTID event; 0: not known
  cdc::v1::ChangeEvent event_;
  cdc::v1::RowKey key_;
};

}  // namespace

std::string DescribeStats(const DecodeBinlogStats& stats) {
  std::string out = std::to_string(stats.events) + " events, " +
                    std::to_string(stats.rows_events) + " rows events, " +
                    std::to_string(stats.rows) + " rows";
  const char* sep = "; skipped: ";
  for (const auto& [type, n] : stats.skipped) {
    out += sep + binlog::EventTypeName(type) + " " + std::to_string(n);
    sep = ", ";
  }
  return out;
}

Status DecodeBinlogFiles(const std::vector<std::string>& files, const std::string& server_name,
                         std::ostream& out, DecodeBinlogStats* stats) {
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::IOError("decode-binlog: cannot open " + path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string bytes = buffer.str();
    FileDecoder decoder(path, server_name, out, stats);
    CDC_RETURN_IF_ERROR(decoder.Run(bytes));
  }
  return Status::OK();
}

}  // namespace cdc::agent::mysql
