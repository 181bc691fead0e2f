#include "agent/dispatch.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "agent/event_encoder.h"
#include "agent/transform_state.h"
#include "agent/row_key.h"
#include "agent/topic.h"

namespace cdc::agent {

namespace {

using Columns = google::protobuf::RepeatedPtrField<cdc::v1::Column>;

// A source that keeps making shapes (a table altered again and again) must
// not grow the cache without end.
constexpr size_t kMaxCachedShapes = 4096;

bool KeyFromImage(const TableShape& shape, const Columns& image, cdc::v1::RowKey* key) {
  key->Clear();
  if (shape.key.empty() || image.empty()) return false;
  for (size_t index : shape.key) {
    const cdc::v1::Column* column = FindColumn(shape, index, image);
    if (column == nullptr || column->value().kind_case() == cdc::v1::Value::kNull ||
        column->value().kind_case() == cdc::v1::Value::kUnchanged) {
      key->Clear();
      return false;
    }
    AddKeyColumn(*column, key);
  }
  return true;
}

}  // namespace

bool BuildRowKey(const TableShape& shape, const cdc::v1::ChangeEvent& event,
                 cdc::v1::RowKey* key) {
  switch (event.op()) {
    case cdc::v1::OP_DELETE: return KeyFromImage(shape, event.before(), key);
    case cdc::v1::OP_INSERT:
    case cdc::v1::OP_UPDATE:
    case cdc::v1::OP_READ:
      return KeyFromImage(shape, event.after(), key) ||
             KeyFromImage(shape, event.before(), key);
    default: key->Clear(); return false;
  }
}

Result<std::shared_ptr<const transform::Chain>> CompileTableChain(
    const std::vector<transform::TransformSpec>& specs, const TableShapePtr& shape) {
  Result<std::shared_ptr<const transform::Chain>> chain = transform::CompileChain(specs, shape);
  if (!chain.ok()) {
    return Status::InvalidArgument(chain.status().message() +
                                   "; fix the transform in the config file");
  }
  return chain;
}

Dispatcher::Dispatcher(const AgentConfig& config, TransformState* state)
    : specs_(config.transforms),
      source_name_(config.source.name),
      topic_prefix_(config.kafka.topic_prefix.empty() ? config.source.name
                                                      : config.kafka.topic_prefix),
      state_(state) {
  if (state_ != nullptr) {
    runner_.set_join_lookup(state_->joins.get());
    runner_.set_aggregate_sink(state_->aggregates.get());
  }
}

Result<const Dispatcher::TableRoute*> Dispatcher::RouteOf(const TableShapePtr& shape) {
  if (shape.get() == last_shape_) return last_route_;
  auto it = routes_.find(shape.get());
  if (it == routes_.end()) {
    if (routes_.size() >= kMaxCachedShapes) {
      routes_.clear();
      last_shape_ = nullptr;
      last_route_ = nullptr;
    }
    TableRoute route;
    route.shape = shape;
    route.join_source = state_ != nullptr && state_->joins &&
                        state_->joins->Tracks(shape->schema + "." + shape->table);
    const TableShape* out = shape.get();
    if (!specs_.empty()) {
      Result<std::shared_ptr<const transform::Chain>> chain = CompileTableChain(specs_, shape);
      if (!chain.ok()) return chain.status();
      if (!(*chain)->empty() || !(*chain)->topic_template().empty() || (*chain)->unwrap() ||
          (*chain)->output().key != shape->key) {
        route.chain = std::move(chain).value();
        out = &route.chain->output();
        route.key_changed = out->key != shape->key ||
                            std::any_of(out->key.begin(), out->key.end(), [&](size_t k) {
                              return k >= shape->columns.size() ||
                                     out->columns[k].name != shape->columns[k].name;
                            });
      }
    }
    route.topic = TopicName(topic_prefix_, out->schema, out->table);
    if (route.chain && !route.chain->topic_template().empty()) {
      route.topic_per_row = route.chain->TopicDependsOnRow();
      if (!route.topic_per_row) {
        route.chain->RenderTopic(cdc::v1::ChangeEvent(), source_name_, topic_prefix_,
                                 &topic_scratch_);
        route.topic = SanitizeTopic(topic_scratch_);
      }
    }
    it = routes_.emplace(shape.get(), std::move(route)).first;
  }
  last_shape_ = shape.get();
  last_route_ = &it->second;
  return last_route_;
}

void Dispatcher::Unwrap(const transform::Chain& chain, const TableShape& shape, OutEvent* out) {
  cdc::v1::ChangeEvent& e = out->event;
  cdc::v1::Row& row = out->row.emplace();
  const bool deleted = e.op() == cdc::v1::OP_DELETE;
  if (e.op() != cdc::v1::OP_TRUNCATE) {
    row.mutable_columns()->Swap(deleted ? e.mutable_before() : e.mutable_after());
  }
  auto add = [&row](const char* name) {
    cdc::v1::Column* c = row.add_columns();
    c->set_name(name);
    return c->mutable_value();
  };
  const cdc::v1::Source& src = e.source();
  for (const std::string& f : chain.unwrap_fields()) {
    if (f == "op") {
      add("__op")->set_text_value(std::string(OpName(e.op())));
    } else if (f == "table") {
      add("__table")->set_text_value(shape.table);
    } else if (f == "schema") {
      add("__schema")->set_text_value(shape.schema);
    } else if (f == "database") {
      add("__database")->set_text_value(src.database());
    } else if (f == "source") {
      add("__source")->set_text_value(source_name_);
    } else if (f == "commit_time") {
      add("__commit_time")->set_int_value(src.commit_time_us());
    } else if (f == "position") {
      AssignPositionText(src, add("__position")->mutable_text_value());
    }
  }
  add("__deleted")->set_bool_value(deleted);
}

Status Dispatcher::Apply(Batch* batch) {
  if (state_ != nullptr && state_->aggregates) CDC_RETURN_IF_ERROR(state_->aggregates->Load());
  if (state_ != nullptr && !state_->unsent.empty()) {
    // First, so that this batch's own changes come after them.
    batch->states.insert(batch->states.begin(), std::make_move_iterator(state_->unsent.begin()),
                         std::make_move_iterator(state_->unsent.end()));
    state_->unsent.clear();
  }
  size_t kept = 0;
  for (size_t i = 0; i < batch->events.size(); ++i) {
    OutEvent& out = batch->events[i];
    bool keep = true;
    if (out.table) {
      CDC_ASSIGN_OR_RETURN(const TableRoute* route, RouteOf(out.table));
      const TableShape* shape = out.table.get();
      // Snapshot rows carry the snapshot's start time, not their commit's.
      if (state_ != nullptr && state_->aggregates && !out.event.source().snapshot()) {
        state_->aggregates->Observe(out.event.source().commit_time_us());
      }
      // The joined table's state changes before anything of the event is
      // looked up: a row joins what its own transaction wrote before it.
      if (route->join_source) {
        CDC_RETURN_IF_ERROR(state_->joins->Track(out.table, out.event, &batch->states));
      }
      if (route->chain) {
        // The transforms may rename, retype, add or drop columns.
        out.rows_named_by_table = false;
        const uint64_t absorbed_before = Absorbed();
        if (route->chain->has_dead_letter()) original_ = out.event;
        CDC_ASSIGN_OR_RETURN(keep, runner_.Run(*route->chain, &out.event));
        const uint64_t absorbed = Absorbed();
        if (absorbed != absorbed_before && absorbed_logged_ < absorbed / 10000 + 1) {
          // The first, then one in ten thousand: enough to see it happen.
          absorbed_logged_ = absorbed / 10000 + 1;
          spdlog::default_logger()->warn(
              "transforms: {} (so far: {} events dropped, {} values set NULL, {} events sent "
              "to a dead-letter topic)",
              runner_.last_absorbed(), runner_.counters().dropped, runner_.counters().nulled,
              runner_.counters().dead_lettered);
        }
        if (!keep && runner_.dead_letter()) {
          // The event as the source gave it, with the reason, to the
          // dead-letter topic; keyed as the table's own messages are.
          out.event.Swap(&original_);
          out.topic = runner_.dead_letter_topic().empty() ? topic_prefix_ + ".dead-letter"
                                                         : runner_.dead_letter_topic();
          out.has_key = BuildRowKey(*out.table, out.event, &out.key);
          out.extra_headers = {{"cdc-error", runner_.dead_letter_reason()},
                               {"cdc-error-transform", runner_.dead_letter_transform()}};
          if (kept != i) batch->events[kept] = std::move(out);
          ++kept;
          continue;
        }
        shape = &route->chain->output();
        if (keep && route->key_changed) {
          out.event.clear_key_columns();
          for (size_t k : shape->key) out.event.add_key_columns(shape->columns[k].name);
        }
      }
      if (keep) {
        if (route->topic_per_row) {
          route->chain->RenderTopic(out.event, source_name_, topic_prefix_, &topic_scratch_);
          out.topic = SanitizeTopic(topic_scratch_);
        } else {
          out.topic = route->topic;
        }
        out.has_key = BuildRowKey(*shape, out.event, &out.key);
        if (route->chain && route->chain->unwrap()) Unwrap(*route->chain, *shape, &out);
      }
    }
    if (!keep) continue;
    if (kept != i) batch->events[kept] = std::move(out);
    ++kept;
  }
  batch->events.resize(kept);
  if (state_ != nullptr && state_->aggregates) {
    // The windows this batch closed: their results go with it.
    for (auto it = batch->events.rbegin(); it != batch->events.rend(); ++it) {
      if (it->event.source().commit_time_us() != 0) {
        last_source_ = it->event.source();
        break;
      }
    }
    state_->aggregates->EndBatch(last_source_, &batch->events, &batch->states);
  }
  ++batches_;
  if (state_ != nullptr) state_->journal.EndBatch(batches_, batch->end_position.has_value());
  return Status::OK();
}

}  // namespace cdc::agent
