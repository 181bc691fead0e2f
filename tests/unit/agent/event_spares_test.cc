// SameText, EmptyValue, and events filled from kept rows and values: every row of the
// binlog fixtures and every tuple of the captured pgoutput stream builds the
// same event from recycled memory as from new.
#include "agent/event_spares.h"

#include <gtest/gtest.h>
#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/batch.h"
#include "agent/postgres/event_builder.h"
#include "tests/unit/agent/event_samples.h"
#include "tests/unit/decoders/pgoutput/capture_fixture.h"
#include "tests/unit/fixtures_absent.h"
#include "tests/unit/value_reuse.h"

namespace cdc::agent {
namespace {

using google::protobuf::FieldDescriptor;

// A value of each case of cdc.v1.Value, with content.
std::vector<cdc::v1::Value> FilledValues() {
  std::vector<cdc::v1::Value> out;
  const google::protobuf::Descriptor* d = cdc::v1::Value::descriptor();
  const google::protobuf::Reflection* r = cdc::v1::Value::GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    cdc::v1::Value& v = out.emplace_back();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        r->SetString(&v, f, std::string(100, 's'));
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        // The message's first field set, whatever its type.
        google::protobuf::Message* m = r->MutableMessage(&v, f);
        const FieldDescriptor* first = m->GetDescriptor()->field(0);
        const google::protobuf::Reflection* mr = m->GetReflection();
        if (first->is_repeated()) {
          if (first->cpp_type() == FieldDescriptor::CPPTYPE_STRING) mr->AddString(m, first, "label");
          if (first->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) mr->AddMessage(m, first);
        } else if (first->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          mr->SetString(m, first, "text");
        } else if (first->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
          mr->SetInt64(m, first, 7);
        } else if (first->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
          mr->SetInt32(m, first, 7);
        } else if (first->cpp_type() == FieldDescriptor::CPPTYPE_UINT32) {
          mr->SetUInt32(m, first, 7);
        }
        EXPECT_NE(m->ByteSizeLong(), 0u) << f->name() << " was left empty";
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL: r->SetBool(&v, f, true); break;
      case FieldDescriptor::CPPTYPE_INT64: r->SetInt64(&v, f, -7); break;
      case FieldDescriptor::CPPTYPE_UINT64: r->SetUInt64(&v, f, 7); break;
      case FieldDescriptor::CPPTYPE_FLOAT: r->SetFloat(&v, f, 7); break;
      case FieldDescriptor::CPPTYPE_DOUBLE: r->SetDouble(&v, f, 7); break;
      default: ADD_FAILURE() << "no sample for field " << f->name(); break;
    }
  }
  return out;
}

// SameText reads in words of 8 and 4 bytes, overlapping at the end: a
// byte that differs anywhere in a string of any length up to past its
// longest inline form is seen, and equal strings are equal.
TEST(SameTextTest, SeesADifferentByteAtEveryPlaceOfEveryLength) {
  for (size_t n = 0; n <= 80; ++n) {
    std::string a;
    for (size_t i = 0; i < n; ++i) a.push_back(static_cast<char>('a' + i % 26));
    const std::string same = a;  // another buffer, the same bytes
    EXPECT_TRUE(SameText(a, same)) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string other = a;
      other[i] = static_cast<char>(other[i] ^ 0x80);
      EXPECT_FALSE(SameText(a, other)) << "length " << n << ", byte " << i;
      EXPECT_FALSE(SameText(other, a)) << "length " << n << ", byte " << i;
    }
    EXPECT_FALSE(SameText(a, a + "x")) << n;
    EXPECT_FALSE(SameText(a + "x", a)) << n;
  }
}

TEST(EmptyValueTest, KeepsTheStringOfAStringCase) {
  cdc::v1::Value v;
  v.set_text_value(std::string(100, 'x'));
  const std::string* text = &v.text_value();
  EmptyValue(&v);
  EXPECT_EQ(v.kind_case(), cdc::v1::Value::kTextValue);
  EXPECT_EQ(v.text_value(), "");
  EXPECT_EQ(&v.text_value(), text);
  EXPECT_GE(text->capacity(), 100u);
  v.mutable_text_value()->assign("again");
  EXPECT_EQ(&v.text_value(), text);
  EXPECT_EQ(v.text_value(), "again");
}

TEST(EmptyValueTest, FreesWhatALargeValueHolds) {
  cdc::v1::Value text;
  text.set_text_value(std::string(1025, 'x'));
  EmptyValue(&text);
  EXPECT_EQ(text.kind_case(), cdc::v1::Value::KIND_NOT_SET);
  cdc::v1::Value small;
  small.set_bytes_value(std::string(1000, 'x'));
  EmptyValue(&small);
  EXPECT_EQ(small.kind_case(), cdc::v1::Value::kBytesValue);

  cdc::v1::Value array;
  for (int i = 0; i < 17; ++i) array.mutable_array_value()->add_elements()->set_int_value(i);
  EmptyValue(&array);
  EXPECT_EQ(array.kind_case(), cdc::v1::Value::KIND_NOT_SET);
  cdc::v1::Value short_array;
  for (int i = 0; i < 16; ++i) short_array.mutable_array_value()->add_elements()->set_int_value(i);
  EmptyValue(&short_array);
  EXPECT_EQ(short_array.kind_case(), cdc::v1::Value::kArrayValue);
  EXPECT_EQ(short_array.array_value().elements_size(), 0);

  cdc::v1::Value set;
  for (int i = 0; i < 17; ++i) set.mutable_set_value()->add_labels("l");
  EmptyValue(&set);
  EXPECT_EQ(set.kind_case(), cdc::v1::Value::KIND_NOT_SET);

  cdc::v1::Value geometry;
  geometry.mutable_geometry_value()->set_wkb(std::string(2000, 'w'));
  EmptyValue(&geometry);
  EXPECT_EQ(geometry.kind_case(), cdc::v1::Value::KIND_NOT_SET);
}

TEST(EmptyValueTest, GivesOneOfTheKeptValuesTheConvertersAreTestedWith) {
  std::vector<std::string> emptied;
  for (const cdc::v1::Value& v : cdc::testing::KeptValues()) {
    emptied.push_back(v.SerializeAsString());
  }
  const std::vector<cdc::v1::Value> filled = FilledValues();
  ASSERT_EQ(filled.size(), static_cast<size_t>(cdc::v1::Value::descriptor()->field_count()));
  for (cdc::v1::Value v : filled) {
    const std::string before = v.ShortDebugString();
    const cdc::v1::Value::KindCase kind = v.kind_case();
    EmptyValue(&v);
    EXPECT_NE(std::find(emptied.begin(), emptied.end(), v.SerializeAsString()), emptied.end())
        << before << " emptied to " << v.ShortDebugString();
    const FieldDescriptor* f = cdc::v1::Value::descriptor()->FindFieldByNumber(kind);
    const bool has_memory = (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING ||
                             f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) &&
                            kind != cdc::v1::Value::kErrorValue;
    // A scalar case is cleared, and so is an error (rare); a case with
    // memory keeps it.
    EXPECT_EQ(v.kind_case(), has_memory ? kind : cdc::v1::Value::KIND_NOT_SET) << before;
  }
}

// The live source's path (values decoded straight into a kept event) against
// the plain one (row images moved into a new event), on every fixture row.
TEST(EventReuseTest, EveryBinlogFixtureRowBuildsFromKeptRowsAsFromNew) {
  const std::vector<std::string> files = binlog::testing::AllBinlogFiles();
  if (files.empty()) {
    CDC_FIXTURES_ABSENT("fixture folders " << binlog::testing::kMariaDir << " and "
                                           << binlog::testing::kMysqlDir << " are absent");
  }
  std::vector<std::pair<std::string, std::string>> fresh;  // event, key
  testing::FixtureRows fresh_rows(
      [&](const cdc::v1::ChangeEvent& event, const cdc::v1::RowKey& key, const std::string&) {
        fresh.emplace_back(event.SerializeAsString(), key.SerializeAsString());
      });
  size_t at = 0;
  size_t differ = 0;
  size_t keys = 0;
  testing::FixtureRows reused_rows(
      [&](const cdc::v1::ChangeEvent& event, const cdc::v1::RowKey& key, const std::string& label) {
        ASSERT_LT(at, fresh.size());
        if (event.SerializeAsString() != fresh[at].first && ++differ <= 5) {
          cdc::v1::ChangeEvent want;
          ASSERT_TRUE(want.ParseFromString(fresh[at].first));
          ADD_FAILURE() << label << " from kept rows:\n  " << event.ShortDebugString()
                        << "\nfrom new:\n  " << want.ShortDebugString();
        }
        if (key.SerializeAsString() != fresh[at].second && ++differ <= 5) {
          ADD_FAILURE() << label << " key from kept rows: " << key.ShortDebugString();
        }
        keys += key.columns_size() > 0 ? 1 : 0;
        ++at;
      },
      /*reuse=*/true);
  for (const std::string& path : files) {
    ASSERT_TRUE(fresh_rows.File(path).ok()) << path;
    ASSERT_TRUE(reused_rows.File(path).ok()) << path;
  }
  std::cout << "[ fixtures ] " << files.size() << " files, " << at << " rows, " << keys
            << " with a key\n";
  EXPECT_GT(at, 46000u);
  EXPECT_GT(keys, 1000u);
  EXPECT_EQ(at, fresh.size());
  EXPECT_EQ(differ, 0u);
}

class PgoutputReuseTest : public pgoutput::testing::CaptureTest {};

TEST_F(PgoutputReuseTest, EveryCapturedTupleBuildsFromKeptRowsAsFromNew) {
  const pgoutput::TypeRegistry types = Registry();
  // Each relation as the stream described it last (a later Relation message
  // replaces it).
  std::map<uint32_t, std::shared_ptr<postgres::RelationInfo>> relations;
  // Each tuple with its relation and whether only its identity columns go
  // into the event, in stream order.
  struct Image {
    std::shared_ptr<const postgres::RelationInfo> relation;
    const pgoutput::Tuple* tuple;
    bool identity_only;
  };
  std::vector<Image> images;
  for (const pgoutput::Message& m : *messages_) {
    if (const auto* r = std::get_if<pgoutput::Relation>(&m)) {
      auto rel = std::make_shared<postgres::RelationInfo>();
      rel->oid = r->oid;
      rel->schema = std::string(r->schema);
      rel->table = std::string(r->name);
      for (const pgoutput::RelationColumn& c : r->columns) {
        postgres::ColumnInfo& info = rel->columns.emplace_back();
        info.name = std::string(c.name);
        info.type_oid = c.type_oid;
        info.type_modifier = c.type_modifier;
        info.type_name = "oid:" + std::to_string(c.type_oid);
        info.identity = c.key;
      }
      relations[r->oid] = std::move(rel);
    } else if (const auto* insert = std::get_if<pgoutput::Insert>(&m)) {
      images.push_back({relations.at(insert->relation_oid), &insert->new_tuple, false});
    } else if (const auto* update = std::get_if<pgoutput::Update>(&m)) {
      if (update->old_kind != '\0') {
        images.push_back(
            {relations.at(update->relation_oid), &update->old_tuple, update->old_kind == 'K'});
      }
      images.push_back({relations.at(update->relation_oid), &update->new_tuple, false});
    } else if (const auto* del = std::get_if<pgoutput::Delete>(&m)) {
      images.push_back({relations.at(del->relation_oid), &del->old_tuple, del->old_kind == 'K'});
    }
  }
  ASSERT_GE(images.size(), 20u);

  OutEvent recycled;
  EventSpares spares;
  size_t reused = 0;
  // Twice over, so that the second pass fills rows kept from every relation.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < images.size(); ++i) {
      const Image& image = images[i];
      const postgres::RelationInfo& rel = *image.relation;
      cdc::v1::ChangeEvent fresh;
      const Status built = postgres::TupleToColumns(rel, types, *image.tuple,
                                                    image.identity_only, fresh.mutable_after());
      ASSERT_TRUE(built.ok()) << rel.table << " tuple " << i << ": " << built.ToString();
      recycled.Clear();
      spares.TakeFrom(&recycled.spares);
      reused += spares.column_rows() > 0 ? 1 : 0;
      ASSERT_TRUE(postgres::TupleToColumns(rel, types, *image.tuple, image.identity_only,
                                           recycled.event.mutable_after(), &spares)
                      .ok())
          << rel.table << " tuple " << i;
      EXPECT_EQ(recycled.event.SerializeAsString(), fresh.SerializeAsString())
          << rel.table << " tuple " << i << " from kept rows:\n  "
          << recycled.event.ShortDebugString() << "\nfrom new:\n  " << fresh.ShortDebugString();
    }
  }
  EXPECT_GT(reused, images.size());  // the test filled kept rows
}

}  // namespace
}  // namespace cdc::agent
