// Conversions between the executor's types and Vitess's protos:
// Migration <-> vtctldata.SchemaMigration, mysql::Result ->
// query.QueryResult.
//
// Pure functions; thread-safe.
#ifndef SIDECUT_TABLET_MIGRATION_PROTO_H_
#define SIDECUT_TABLET_MIGRATION_PROTO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "mysql/result.h"
#include "onlineddl/schema_migrations.h"
#include "proto/query.pb.h"
#include "proto/vtctldata.pb.h"
#include "util/grpc_status.h"

namespace sidecut {
namespace tablet {

vtctldata::SchemaMigration ToProto(const onlineddl::Migration& m);

// "running" <-> RUNNING; unknown names map to UNKNOWN / "".
vtctldata::SchemaMigration::Status StatusToProto(absl::string_view status);
std::string StatusFromProto(vtctldata::SchemaMigration::Status status);

// Every value as text (NULL as length -1), field names kept.
query::QueryResult ToQueryResult(const mysql::Result& r);

}  // namespace tablet
}  // namespace sidecut

#endif  // SIDECUT_TABLET_MIGRATION_PROTO_H_
