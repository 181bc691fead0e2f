// BatchEncoder: the messages of a batch of several events are those of each
// event encoded alone, in every format; the encoder appends each value and
// key after the ones before it in one buffer.
#include "agent/batch_encoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cdc::agent {
namespace {

struct Message {
  std::string value;
  std::string key;
  bool has_key = false;
  bool operator==(const Message&) const = default;
};

// Three events of one table: an insert with a key, a delete of a table
// without one, and an update with a long text value (more than one length
// byte at every level), each with its source block.
std::vector<OutEvent> Events() {
  std::vector<OutEvent> events(3);
  for (size_t i = 0; i < events.size(); ++i) {
    OutEvent& e = events[i];
    e.topic = "p.shop.orders";
    cdc::v1::Source* source = e.event.mutable_source();
    source->set_kind(cdc::v1::SOURCE_KIND_MARIADB);
    source->set_server_name("p");
    source->set_database("shop");
    source->set_table("orders");
    source->mutable_mysql()->set_file("binlog.000003");
    source->mutable_mysql()->set_pos(4000 + i);
    source->set_commit_time_us(1714566896000000);
    source->set_event_index(i);
    cdc::v1::Column* id = (i == 1 ? e.event.add_before() : e.event.add_after());
    id->set_name("id");
    id->set_type("bigint");
    id->mutable_value()->set_int_value(static_cast<int64_t>(i) + 1);
    cdc::v1::Column* note = (i == 1 ? e.event.add_before() : e.event.add_after());
    note->set_name("note");
    note->set_type("text");
    note->mutable_value()->set_text_value(i == 2 ? std::string(20000, 'n') : "short");
    e.event.set_op(i == 0 ? cdc::v1::OP_INSERT : i == 1 ? cdc::v1::OP_DELETE : cdc::v1::OP_UPDATE);
    e.has_key = i != 1;
    if (e.has_key) {
      e.event.add_key_columns("id");
      cdc::v1::Column* k = e.key.add_columns();
      k->set_name("id");
      k->mutable_value()->set_int_value(static_cast<int64_t>(i) + 1);
    }
  }
  // A message that replaces one found in the topic keeps its key bytes.
  events[2].key_bytes = std::string("\x0a\x02kb", 4);
  return events;
}

std::vector<Message> Encoded(const KafkaConfig& config, std::vector<OutEvent> events) {
  BatchEncoder encoder(config);
  EXPECT_TRUE(encoder.Open().ok());
  Batch batch;
  batch.events = std::move(events);
  Result<EncodedBatch> encoded = encoder.Encode(std::move(batch), nullptr);
  EXPECT_TRUE(encoded.ok()) << encoded.status().ToString();
  std::vector<Message> out;
  if (!encoded.ok()) return out;
  for (const EncodedBatch::Message& m : encoded->messages) {
    out.push_back({std::string(encoded->Value(m)),
                   m.has_key ? std::string(encoded->Key(m)) : std::string(), m.has_key});
  }
  return out;
}

void ExpectEachAsAlone(const KafkaConfig& config, const std::string& label) {
  const std::vector<Message> together = Encoded(config, Events());
  ASSERT_EQ(together.size(), 3u) << label;
  for (size_t i = 0; i < together.size(); ++i) {
    std::vector<OutEvent> one;
    one.push_back(std::move(Events()[i]));
    const std::vector<Message> alone = Encoded(config, std::move(one));
    ASSERT_EQ(alone.size(), 1u) << label;
    EXPECT_TRUE(together[i] == alone[0]) << label << ": event " << i << " differs in a batch";
    EXPECT_FALSE(alone[0].value.empty()) << label;
  }
  EXPECT_TRUE(together[0].has_key) << label;
  EXPECT_FALSE(together[1].has_key) << label;
  EXPECT_EQ(together[2].key, std::string("\x0a\x02kb", 4)) << label;
}

TEST(BatchEncoderTest, EachMessageOfABatchIsItsEventEncodedAlone) {
  KafkaConfig config;
  config.topic_prefix = "p";
  for (EventFormat format :
       {EventFormat::kProtobuf, EventFormat::kJson, EventFormat::kDebeziumJson}) {
    config.format = format;
    ExpectEachAsAlone(config, "format " + std::to_string(static_cast<int>(format)));
  }
}

TEST(BatchEncoderTest, ProtobufValuesAreTheEventsOwnBytes) {
  KafkaConfig config;
  config.topic_prefix = "p";
  const std::vector<OutEvent> events = Events();
  const std::vector<Message> encoded = Encoded(config, Events());
  ASSERT_EQ(encoded.size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(encoded[i].value, events[i].event.SerializeAsString()) << "event " << i;
  }
  EXPECT_EQ(encoded[0].key, events[0].key.SerializeAsString());
}

TEST(BatchEncoderTest, UnwrappedRowsInABatch) {
  KafkaConfig config;
  config.topic_prefix = "p";
  for (EventFormat format : {EventFormat::kProtobuf, EventFormat::kJson}) {
    config.format = format;
    std::vector<OutEvent> events = Events();
    for (OutEvent& e : events) {
      cdc::v1::Row row;
      *row.mutable_columns() = e.event.op() == cdc::v1::OP_DELETE ? e.event.before()
                                                                 : e.event.after();
      e.row = row;
    }
    std::vector<Message> together = Encoded(config, events);
    ASSERT_EQ(together.size(), 3u);
    for (size_t i = 0; i < events.size(); ++i) {
      std::vector<OutEvent> one{events[i]};
      const std::vector<Message> alone = Encoded(config, std::move(one));
      ASSERT_EQ(alone.size(), 1u);
      EXPECT_TRUE(together[i] == alone[0]) << "format " << static_cast<int>(format) << " row " << i;
    }
    if (format == EventFormat::kProtobuf) {
      EXPECT_EQ(together[2].value, events[2].row->SerializeAsString());
    }
  }
}

}  // namespace
}  // namespace cdc::agent
