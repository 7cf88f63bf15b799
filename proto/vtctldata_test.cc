// Checks the mirrored Vitess messages (vtctldata and what it imports, plus
// tabletmanagerdata) against the field numbers, field types and enum values
// of Vitess's own .proto files, and one encoding on the wire.
#include <string>

#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "proto/tabletmanagerdata.pb.h"
#include "proto/topodata.pb.h"
#include "proto/vtctldata.pb.h"
#include "proto/vtrpc.pb.h"
#include "proto/vttime.pb.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

struct FieldCase {
  const Descriptor* message;
  const char* field;
  int number;
  FieldDescriptor::Type type;
  bool repeated;
};

void ExpectFields(const FieldCase* begin, const FieldCase* end) {
  for (const FieldCase* c = begin; c != end; ++c) {
    SCOPED_TRACE(c->message->full_name() + "." + c->field);
    const FieldDescriptor* f = c->message->FindFieldByName(c->field);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->number(), c->number);
    EXPECT_EQ(f->type(), c->type);
    EXPECT_EQ(f->is_repeated(), c->repeated);
  }
}

constexpr auto kString = FieldDescriptor::TYPE_STRING;
constexpr auto kMessage = FieldDescriptor::TYPE_MESSAGE;
constexpr auto kEnum = FieldDescriptor::TYPE_ENUM;
constexpr auto kBool = FieldDescriptor::TYPE_BOOL;
constexpr auto kUint64 = FieldDescriptor::TYPE_UINT64;

TEST(VtctldataProtoTest, SchemaMigrationFieldsMatchVitess) {
  const Descriptor* m = vtctldata::SchemaMigration::descriptor();
  const FieldCase cases[] = {
      {m, "uuid", 1, kString, false},
      {m, "keyspace", 2, kString, false},
      {m, "schema", 4, kString, false},
      {m, "table", 5, kString, false},
      {m, "migration_statement", 6, kString, false},
      {m, "strategy", 7, kEnum, false},
      {m, "options", 8, kString, false},
      {m, "added_at", 9, kMessage, false},
      {m, "cleaned_up_at", 15, kMessage, false},
      {m, "status", 16, kEnum, false},
      {m, "artifacts", 18, kString, false},
      {m, "retries", 19, kUint64, false},
      {m, "tablet", 20, kMessage, false},
      {m, "progress", 22, FieldDescriptor::TYPE_FLOAT, false},
      {m, "migration_context", 23, kString, false},
      {m, "eta_seconds", 26, FieldDescriptor::TYPE_INT64, false},
      {m, "rows_copied", 27, kUint64, false},
      {m, "added_unique_keys", 29, FieldDescriptor::TYPE_UINT32, false},
      {m, "artifact_retention", 32, kMessage, false},
      {m, "postpone_completion", 33, kBool, false},
      {m, "allow_concurrent", 38, kBool, false},
      {m, "reverted_uuid", 39, kString, false},
      {m, "is_view", 40, kBool, false},
      {m, "ready_to_complete", 41, kBool, false},
      {m, "user_throttle_ratio", 43, FieldDescriptor::TYPE_FLOAT, false},
      {m, "postpone_launch", 48, kBool, false},
      {m, "stage", 49, kString, false},
      {m, "cutover_attempts", 50, FieldDescriptor::TYPE_UINT32, false},
      {m, "ready_to_complete_at", 53, kMessage, false},
      {m, "removed_foreign_key_names", 54, kString, false},
  };
  ExpectFields(std::begin(cases), std::end(cases));
  // Vitess's SchemaMigration has fields 1..54 with no gaps; all are mirrored.
  EXPECT_EQ(m->field_count(), 54);
  for (int n = 1; n <= 54; ++n) {
    EXPECT_NE(m->FindFieldByNumber(n), nullptr) << "field " << n;
  }
}

TEST(VtctldataProtoTest, SchemaMigrationEnumsMatchVitess) {
  EXPECT_EQ(vtctldata::SchemaMigration::VITESS, 0);
  EXPECT_EQ(vtctldata::SchemaMigration::ONLINE, 0);
  EXPECT_EQ(vtctldata::SchemaMigration::DIRECT, 3);
  EXPECT_EQ(vtctldata::SchemaMigration::MYSQL, 4);
  const auto* strategy = vtctldata::SchemaMigration::Strategy_descriptor();
  EXPECT_TRUE(strategy->IsReservedNumber(1));  // was GHOST
  EXPECT_TRUE(strategy->IsReservedNumber(2));  // was PTOSC

  EXPECT_EQ(vtctldata::SchemaMigration::UNKNOWN, 0);
  EXPECT_EQ(vtctldata::SchemaMigration::REQUESTED, 1);
  EXPECT_EQ(vtctldata::SchemaMigration::CANCELLED, 2);
  EXPECT_EQ(vtctldata::SchemaMigration::QUEUED, 3);
  EXPECT_EQ(vtctldata::SchemaMigration::READY, 4);
  EXPECT_EQ(vtctldata::SchemaMigration::RUNNING, 5);
  EXPECT_EQ(vtctldata::SchemaMigration::COMPLETE, 6);
  EXPECT_EQ(vtctldata::SchemaMigration::FAILED, 7);

  EXPECT_EQ(vtctldata::NONE, 0);
  EXPECT_EQ(vtctldata::ASCENDING, 1);
  EXPECT_EQ(vtctldata::DESCENDING, 2);
}

TEST(VtctldataProtoTest, RequestFieldsMatchVitess) {
  const Descriptor* apply = vtctldata::ApplySchemaRequest::descriptor();
  const Descriptor* get = vtctldata::GetSchemaMigrationsRequest::descriptor();
  const Descriptor* cancel =
      vtctldata::CancelSchemaMigrationRequest::descriptor();
  const FieldCase cases[] = {
      {apply, "keyspace", 1, kString, false},
      {apply, "sql", 3, kString, true},
      {apply, "ddl_strategy", 4, kString, false},
      {apply, "uuid_list", 5, kString, true},
      {apply, "migration_context", 6, kString, false},
      {apply, "wait_replicas_timeout", 7, kMessage, false},
      {apply, "caller_id", 9, kMessage, false},
      {apply, "batch_size", 10, FieldDescriptor::TYPE_INT64, false},
      {vtctldata::ApplySchemaResponse::descriptor(), "uuid_list", 1, kString,
       true},
      {vtctldata::ApplySchemaResponse::descriptor(), "rows_affected_by_shard",
       2, kMessage, true},
      {get, "keyspace", 1, kString, false},
      {get, "uuid", 2, kString, false},
      {get, "migration_context", 3, kString, false},
      {get, "status", 4, kEnum, false},
      {get, "recent", 5, kMessage, false},
      {get, "order", 6, kEnum, false},
      {get, "limit", 7, kUint64, false},
      {get, "skip", 8, kUint64, false},
      {vtctldata::GetSchemaMigrationsResponse::descriptor(), "migrations", 1,
       kMessage, true},
      {cancel, "keyspace", 1, kString, false},
      {cancel, "uuid", 2, kString, false},
      {cancel, "caller_id", 3, kMessage, false},
  };
  ExpectFields(std::begin(cases), std::end(cases));
  EXPECT_TRUE(apply->IsReservedNumber(2));
  EXPECT_TRUE(apply->IsReservedNumber(8));
}

// The six per-migration commands share one request and response shape.
TEST(VtctldataProtoTest, PerMigrationCommandsShareTheVitessShape) {
  const Descriptor* requests[] = {
      vtctldata::CancelSchemaMigrationRequest::descriptor(),
      vtctldata::CleanupSchemaMigrationRequest::descriptor(),
      vtctldata::CompleteSchemaMigrationRequest::descriptor(),
      vtctldata::ForceCutOverSchemaMigrationRequest::descriptor(),
      vtctldata::LaunchSchemaMigrationRequest::descriptor(),
      vtctldata::RetrySchemaMigrationRequest::descriptor(),
  };
  for (const Descriptor* d : requests) {
    SCOPED_TRACE(d->full_name());
    EXPECT_EQ(d->field_count(), 3);
    EXPECT_EQ(d->FindFieldByName("keyspace")->number(), 1);
    EXPECT_EQ(d->FindFieldByName("uuid")->number(), 2);
    EXPECT_EQ(d->FindFieldByName("caller_id")->message_type(),
              vtrpc::CallerID::descriptor());
    const std::string response_name =
        d->full_name().substr(0, d->full_name().size() - 7) + "Response";
    const Descriptor* r =
        d->file()->pool()->FindMessageTypeByName(response_name);
    ASSERT_NE(r, nullptr) << response_name;
    const FieldDescriptor* rows = r->FindFieldByName("rows_affected_by_shard");
    ASSERT_NE(rows, nullptr);
    EXPECT_EQ(rows->number(), 1);
    EXPECT_TRUE(rows->is_map());
    EXPECT_EQ(rows->message_type()->map_value()->type(), kUint64);
  }
}

TEST(VtctldataProtoTest, ImportedMessagesMatchVitess) {
  const Descriptor* tablet = topodata::Tablet::descriptor();
  const Descriptor* shard = topodata::Shard::descriptor();
  const Descriptor* keyspace = topodata::Keyspace::descriptor();
  const Descriptor* wait =
      tabletmanagerdata::VReplicationWaitForPosRequest::descriptor();
  const FieldCase cases[] = {
      {topodata::KeyRange::descriptor(), "start", 1,
       FieldDescriptor::TYPE_BYTES, false},
      {topodata::KeyRange::descriptor(), "end", 2, FieldDescriptor::TYPE_BYTES,
       false},
      {topodata::TabletAlias::descriptor(), "cell", 1, kString, false},
      {topodata::TabletAlias::descriptor(), "uid", 2,
       FieldDescriptor::TYPE_UINT32, false},
      {tablet, "alias", 1, kMessage, false},
      {tablet, "hostname", 2, kString, false},
      {tablet, "port_map", 4, kMessage, true},
      {tablet, "keyspace", 5, kString, false},
      {tablet, "shard", 6, kString, false},
      {tablet, "key_range", 7, kMessage, false},
      {tablet, "type", 8, kEnum, false},
      {tablet, "mysql_hostname", 12, kString, false},
      {tablet, "mysql_port", 13, FieldDescriptor::TYPE_INT32, false},
      {shard, "primary_alias", 1, kMessage, false},
      {shard, "key_range", 2, kMessage, false},
      {shard, "is_primary_serving", 7, kBool, false},
      {keyspace, "keyspace_type", 5, kEnum, false},
      {keyspace, "sidecar_db_name", 10, kString, false},
      {vtrpc::CallerID::descriptor(), "principal", 1, kString, false},
      {vtrpc::CallerID::descriptor(), "subcomponent", 3, kString, false},
      {vtrpc::RPCError::descriptor(), "message", 2, kString, false},
      {vtrpc::RPCError::descriptor(), "code", 3, kEnum, false},
      {vttime::Time::descriptor(), "seconds", 1, FieldDescriptor::TYPE_INT64,
       false},
      {vttime::Time::descriptor(), "nanoseconds", 2,
       FieldDescriptor::TYPE_INT32, false},
      {vttime::Duration::descriptor(), "nanos", 2, FieldDescriptor::TYPE_INT32,
       false},
      {tabletmanagerdata::VReplicationExecRequest::descriptor(), "query", 1,
       kString, false},
      {tabletmanagerdata::VReplicationExecResponse::descriptor(), "result", 1,
       kMessage, false},
      {wait, "id", 1, FieldDescriptor::TYPE_INT32, false},
      {wait, "position", 2, kString, false},
  };
  ExpectFields(std::begin(cases), std::end(cases));

  EXPECT_EQ(topodata::PRIMARY, 1);
  EXPECT_EQ(topodata::MASTER, 1);
  EXPECT_EQ(topodata::REPLICA, 2);
  EXPECT_EQ(topodata::RDONLY, 3);
  EXPECT_EQ(topodata::BATCH, 3);
  EXPECT_EQ(topodata::DRAINED, 8);
  EXPECT_EQ(topodata::SNAPSHOT, 1);
  EXPECT_EQ(vtrpc::FAILED_PRECONDITION, 9);
  EXPECT_EQ(vtrpc::UNAVAILABLE, 14);
  EXPECT_EQ(vtrpc::UNAUTHENTICATED, 16);
}

TEST(VtctldataProtoTest, SchemaMigrationWireEncoding) {
  vtctldata::SchemaMigration m;
  m.set_uuid("u");
  m.set_status(vtctldata::SchemaMigration::RUNNING);
  const std::string wire = m.SerializeAsString();
  // uuid: tag (1<<3)|2 = 0x0a, length 1, "u"; status: tag (16<<3)|0 = 128,
  // a two-byte varint 0x80 0x01, then the value 5.
  const std::string expected = {'\x0a', '\x01', 'u', '\x80', '\x01', '\x05'};
  EXPECT_EQ(wire, expected);
  vtctldata::SchemaMigration back;
  ASSERT_TRUE(back.ParseFromString(wire));
  EXPECT_EQ(back.status(), vtctldata::SchemaMigration::RUNNING);
}

}  // namespace
