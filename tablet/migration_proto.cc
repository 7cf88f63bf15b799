#include "tablet/migration_proto.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"

namespace sidecut {
namespace tablet {
namespace {

// Timestamps come from a session in UTC: "2026-11-22 05:49:37[.123456]".
void SetTime(const std::string& text, vttime::Time* out) {
  if (text.empty()) return;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%E*S", text, absl::UTCTimeZone(), &t,
                       &err)) {
    return;
  }
  const int64_t s = absl::ToUnixSeconds(t);
  out->set_seconds(s);
  out->set_nanoseconds(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(s))));
}

}  // namespace

vtctldata::SchemaMigration::Status StatusToProto(absl::string_view status) {
  vtctldata::SchemaMigration::Status s;
  if (!vtctldata::SchemaMigration::Status_Parse(absl::AsciiStrToUpper(status),
                                                &s)) {
    return vtctldata::SchemaMigration::UNKNOWN;
  }
  return s;
}

std::string StatusFromProto(vtctldata::SchemaMigration::Status status) {
  if (status == vtctldata::SchemaMigration::UNKNOWN) return "";
  return absl::AsciiStrToLower(vtctldata::SchemaMigration::Status_Name(status));
}

vtctldata::SchemaMigration ToProto(const onlineddl::Migration& m) {
  vtctldata::SchemaMigration p;
  p.set_uuid(m.uuid);
  p.set_keyspace(m.keyspace);
  p.set_shard(m.shard);
  p.set_schema(m.schema);
  p.set_table(m.table);
  p.set_migration_statement(m.statement);
  p.set_strategy(m.strategy == "mysql"    ? vtctldata::SchemaMigration::MYSQL
                 : m.strategy == "direct" ? vtctldata::SchemaMigration::DIRECT
                                          : vtctldata::SchemaMigration::VITESS);
  p.set_options(m.options);
  SetTime(m.added_timestamp, p.mutable_added_at());
  SetTime(m.requested_timestamp, p.mutable_requested_at());
  SetTime(m.ready_timestamp, p.mutable_ready_at());
  SetTime(m.started_timestamp, p.mutable_started_at());
  SetTime(m.liveness_timestamp, p.mutable_liveness_timestamp());
  SetTime(m.completed_timestamp, p.mutable_completed_at());
  SetTime(m.cleanup_timestamp, p.mutable_cleaned_up_at());
  SetTime(m.cancelled_timestamp, p.mutable_cancelled_at());
  SetTime(m.ready_to_complete_timestamp, p.mutable_ready_to_complete_at());
  p.set_status(StatusToProto(m.status));
  p.set_artifacts(m.artifacts);
  p.set_retries(static_cast<uint64_t>(m.retries));
  // Alias "<cell>-<uid>".
  size_t dash = m.tablet.rfind('-');
  uint32_t uid = 0;
  if (dash != std::string::npos &&
      absl::SimpleAtoi(m.tablet.substr(dash + 1), &uid)) {
    p.mutable_tablet()->set_cell(m.tablet.substr(0, dash));
    p.mutable_tablet()->set_uid(uid);
  } else if (!m.tablet.empty()) {
    p.mutable_tablet()->set_cell(m.tablet);
  }
  p.set_progress(static_cast<float>(m.progress));
  p.set_migration_context(m.migration_context);
  p.set_ddl_action(m.ddl_action);
  p.set_message(m.message);
  p.set_eta_seconds(m.eta_seconds);
  p.set_rows_copied(static_cast<uint64_t>(m.rows_copied));
  p.set_table_rows(m.table_rows);
  p.set_added_unique_keys(static_cast<uint32_t>(m.added_unique_keys));
  p.set_removed_unique_keys(static_cast<uint32_t>(m.removed_unique_keys));
  p.mutable_artifact_retention()->set_seconds(m.retain_artifacts_seconds);
  p.set_postpone_completion(m.postpone_completion);
  p.set_removed_unique_key_names(m.removed_unique_key_names);
  p.set_dropped_no_default_column_names(m.dropped_no_default_column_names);
  p.set_expanded_column_names(m.expanded_column_names);
  p.set_revertible_notes(m.revertible_notes);
  p.set_allow_concurrent(m.allow_concurrent);
  p.set_reverted_uuid(m.reverted_uuid);
  p.set_is_view(m.is_view);
  p.set_ready_to_complete(m.ready_to_complete);
  p.set_user_throttle_ratio(static_cast<float>(m.user_throttle_ratio));
  p.set_special_plan(m.special_plan);
  p.set_component_throttled(m.component_throttled);
  p.set_postpone_launch(m.postpone_launch);
  p.set_stage(m.stage);
  p.set_cutover_attempts(static_cast<uint32_t>(m.cutover_attempts));
  p.set_is_immediate_operation(m.is_immediate_operation);
  return p;
}

query::QueryResult ToQueryResult(const mysql::Result& r) {
  query::QueryResult q;
  for (const mysql::Field& f : r.fields) {
    query::Field* pf = q.add_fields();
    pf->set_name(f.name);
    pf->set_table(f.table);
  }
  q.set_rows_affected(r.affected_rows);
  q.set_insert_id(r.insert_id);
  for (const mysql::Row& row : r.rows) {
    query::Row* pr = q.add_rows();
    std::string values;
    for (size_t i = 0; i < row.size(); ++i) {
      if (row.IsNull(i)) {
        pr->add_lengths(-1);
        continue;
      }
      pr->add_lengths(static_cast<int64_t>(row.Get(i).size()));
      values.append(row.Get(i).data(), row.Get(i).size());
    }
    pr->set_values(values);
  }
  return q;
}

}  // namespace tablet
}  // namespace sidecut
