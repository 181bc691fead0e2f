#include "agent/event_spares.h"

#include <utility>

namespace cdc::agent {
namespace {

constexpr size_t kMaxSources = EventSpares::kMaxSources;

template <typename T>
void MoveUpTo(std::vector<std::unique_ptr<T>>* from, std::vector<std::unique_ptr<T>>* to,
              size_t bound) {
  while (!from->empty() && to->size() < bound) {
    to->push_back(std::move(from->back()));
    from->pop_back();
  }
  from->clear();
}

template <typename T>
T* Pop(std::vector<std::unique_ptr<T>>* from) {
  if (from->empty()) return nullptr;
  T* out = from->back().release();
  from->pop_back();
  return out;
}

}  // namespace

void EventSpares::KeepValue(cdc::v1::Value* value) {
  std::unique_ptr<cdc::v1::Value> owned(value);
  if (values_.size() >= kMaxValues) return;
  owned->Clear();
  values_.push_back(std::move(owned));
}

void EventSpares::KeepSource(cdc::v1::Source* source) {
  std::unique_ptr<cdc::v1::Source> owned(source);
  if (owned->has_mysql() && mysql_.size() < kMaxSources) {
    mysql_.emplace_back(owned->release_mysql())->Clear();
  } else if (owned->has_postgres() && postgres_.size() < kMaxSources) {
    postgres_.emplace_back(owned->release_postgres())->Clear();
  }
  if (sources_.size() >= kMaxSources) return;
  owned->Clear();
  sources_.push_back(std::move(owned));
}

void EventSpares::Keep(cdc::v1::ChangeEvent* event) {
  for (auto* columns : {event->mutable_before(), event->mutable_after()}) {
    for (cdc::v1::Column& column : *columns) {
      if (column.has_value()) KeepValue(column.release_value());
    }
  }
  if (event->has_source()) KeepSource(event->release_source());
}

void EventSpares::TakeFrom(EventSpares* other) {
  MoveUpTo(&other->values_, &values_, kMaxValues);
  MoveUpTo(&other->sources_, &sources_, kMaxSources);
  MoveUpTo(&other->mysql_, &mysql_, kMaxSources);
  MoveUpTo(&other->postgres_, &postgres_, kMaxSources);
}

cdc::v1::Value* EventSpares::ValueOf(cdc::v1::Column* column) {
  if (!column->has_value()) {
    if (cdc::v1::Value* kept = Pop(&values_)) column->set_allocated_value(kept);
  }
  return column->mutable_value();
}

cdc::v1::Source* EventSpares::SourceOf(cdc::v1::ChangeEvent* event) {
  if (!event->has_source()) {
    if (cdc::v1::Source* kept = Pop(&sources_)) event->set_allocated_source(kept);
  }
  return event->mutable_source();
}

cdc::v1::MysqlPosition* EventSpares::MysqlOf(cdc::v1::Source* source) {
  if (!source->has_mysql()) {
    if (cdc::v1::MysqlPosition* kept = Pop(&mysql_)) source->set_allocated_mysql(kept);
  }
  return source->mutable_mysql();
}

cdc::v1::PostgresPosition* EventSpares::PostgresOf(cdc::v1::Source* source) {
  if (!source->has_postgres()) {
    if (cdc::v1::PostgresPosition* kept = Pop(&postgres_)) source->set_allocated_postgres(kept);
  }
  return source->mutable_postgres();
}

}  // namespace cdc::agent
