// VStream and VStreamRows over gRPC (127.0.0.1:0) against a real MariaDB.
#include "vreplication/vstream_service.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "mysql/mysql_connection.h"
#include "mysql/result.h"
#include "mysql/vitess_rows.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"
#include "util/clock.h"
#include "util/status_matchers.h"
#include "vreplication/testing/vr_test_util.h"
#include "vreplication/vstreamer.h"

namespace sidecut {
namespace vreplication {
namespace {

using testing::Cp932KeyRows;
using testing::PrepareXaAndLeave;

class VStreamServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(instance_, harness::MariaDbInstance::Start({}));
    ASSERT_OK_AND_ASSIGN(conn_, harness::ConnectTo(*instance_));
    ASSERT_OK(conn_->Execute("CREATE DATABASE vs"));
    ASSERT_OK(conn_->Execute(
        "CREATE TABLE vs.t (id INT PRIMARY KEY, name VARCHAR(20), "
        "price DECIMAL(6,2))"));
    ASSERT_OK(conn_->Execute("CREATE TABLE vs.other (id INT PRIMARY KEY)"));
    service_ = std::make_unique<VStreamService>(
        harness::ConnectParamsFor(*instance_), "vs", Clock::Real());
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                       &port_);
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = queryservice::Query::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }
  // VStreamRows of `query` to its end: its rows, and in `head` the
  // response that carried the fields.
  std::vector<mysql::Row> StreamRows(const std::string& query,
                                     binlogdata::VStreamRowsResponse* head) {
    binlogdata::VStreamRowsRequest req;
    req.set_query(query);
    grpc::ClientContext ctx;
    auto reader = stub_->VStreamRows(&ctx, req);
    binlogdata::VStreamRowsResponse resp;
    std::vector<mysql::Row> rows;
    while (reader->Read(&resp)) {
      if (resp.fields_size() > 0) *head = resp;
      for (const auto& row : resp.rows()) {
        rows.push_back(mysql::FromVitessRow(row));
      }
    }
    EXPECT_TRUE(reader->Finish().ok());
    return rows;
  }

  std::unique_ptr<harness::MariaDbInstance> instance_;
  std::unique_ptr<mysql::MysqlConnection> conn_;
  std::unique_ptr<VStreamService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::unique_ptr<queryservice::Query::Stub> stub_;
};

// VStreamer directly (the event logic behind the VStream RPC).
TEST_F(VStreamServiceTest, StreamsFieldRowGtidAndDdlEvents) {
  binlogdata::Filter filter;
  binlogdata::Rule* rule = filter.add_rules();
  rule->set_match("t");
  rule->set_filter("select * from t");
  ASSERT_OK_AND_ASSIGN(
      auto vs, VStreamer::Create(harness::ConnectParamsFor(*instance_), "vs",
                                 filter, "current", Clock::Real()));
  ASSERT_OK(conn_->Execute("INSERT INTO vs.other VALUES (1)"));  // filtered out
  ASSERT_OK(conn_->Execute(
      "INSERT INTO vs.t VALUES (1, 'a', 1.50), (2, NULL, 2.00)"));
  ASSERT_OK(conn_->Execute("UPDATE vs.t SET name = 'b' WHERE id = 1"));
  ASSERT_OK(conn_->Execute("ALTER TABLE vs.t ADD COLUMN extra INT"));
  std::vector<binlogdata::VEvent> events;
  while (events.empty() || events.back().type() != binlogdata::DDL) {
    ASSERT_OK_AND_ASSIGN(std::vector<binlogdata::VEvent> batch, vs->Next());
    for (auto& e : batch) {
      if (e.type() != binlogdata::HEARTBEAT) events.push_back(std::move(e));
    }
  }
  std::vector<int> types;
  for (const auto& e : events) types.push_back(e.type());
  EXPECT_THAT(types,
              ::testing::ElementsAre(
                  binlogdata::BEGIN, binlogdata::FIELD, binlogdata::ROW,
                  binlogdata::GTID, binlogdata::COMMIT, binlogdata::BEGIN,
                  binlogdata::ROW, binlogdata::GTID, binlogdata::COMMIT,
                  binlogdata::GTID, binlogdata::DDL));
  ASSERT_EQ(events[1].field_event().fields_size(), 3);
  EXPECT_EQ(events[1].field_event().fields(2).name(), "price");
  EXPECT_EQ(events[1].field_event().fields(2).type(), query::DECIMAL);
  const auto& ins = events[2].row_event();
  ASSERT_EQ(ins.row_changes_size(), 2);
  mysql::Row r2 = mysql::FromVitessRow(ins.row_changes(1).after());
  EXPECT_EQ(r2.Get(0), "2");
  EXPECT_TRUE(r2.IsNull(1));
  EXPECT_EQ(r2.Get(2), "2.00");
  const auto& upd = events[6].row_event().row_changes(0);
  EXPECT_EQ(mysql::FromVitessRow(upd.before()).Get(1), "a");
  EXPECT_EQ(mysql::FromVitessRow(upd.after()).Get(1), "b");
  EXPECT_THAT(events[3].gtid(), ::testing::StartsWith("MariaDB/0-1-"));
  EXPECT_THAT(events[10].statement(), ::testing::HasSubstr("ADD COLUMN extra"));
}

// Reads `vs` until it has sent `want` ROW events (counted in `*rows`), it
// fails (the status returned) or 30 s pass.
absl::Status ReadRows(VStreamer& vs, int want, int* rows) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (*rows < want && absl::Now() < deadline) {
    absl::StatusOr<std::vector<binlogdata::VEvent>> batch = vs.Next();
    if (!batch.ok()) return batch.status();
    for (const auto& e : *batch) *rows += e.type() == binlogdata::ROW;
  }
  return absl::OkStatus();
}

// A prepared XA half is not sent as committed (a later XA ROLLBACK would
// make its rows never have existed): the stream stops with a clear error.
// One phase it is a plain transaction.
TEST_F(VStreamServiceTest, APreparedXaHalfStopsTheStream) {
  binlogdata::Filter filter;
  binlogdata::Rule* rule = filter.add_rules();
  rule->set_match("t");
  rule->set_filter("select * from t");
  ASSERT_OK_AND_ASSIGN(
      auto vs, VStreamer::Create(harness::ConnectParamsFor(*instance_), "vs",
                                 filter, "current", Clock::Real()));
  for (const char* sql : {"XA START 'a'", "INSERT INTO vs.t VALUES (1, 'a', 1)",
                          "XA END 'a'", "XA COMMIT 'a' ONE PHASE",
                          "XA START 'b'", "INSERT INTO vs.t VALUES (2, 'b', 2)",
                          "XA END 'b'", "XA PREPARE 'b'", "XA ROLLBACK 'b'"}) {
    ASSERT_OK(conn_->Execute(sql));
  }
  int rows = 0;
  absl::Status end = ReadRows(*vs, 2, &rows);
  EXPECT_EQ(rows, 1);
  EXPECT_THAT(end, StatusIs(absl::StatusCode::kFailedPrecondition,
                            ::testing::HasSubstr("two-phase XA")));
}

// A row logged without all its columns (a session with binlog_row_image
// MINIMAL) stops the stream: the missing columns would be sent as NULLs.
TEST_F(VStreamServiceTest, APartialRowImageStopsTheStream) {
  binlogdata::Filter filter;
  binlogdata::Rule* rule = filter.add_rules();
  rule->set_match("t");
  rule->set_filter("select * from t");
  ASSERT_OK_AND_ASSIGN(
      auto vs, VStreamer::Create(harness::ConnectParamsFor(*instance_), "vs",
                                 filter, "current", Clock::Real()));
  ASSERT_OK(conn_->Execute("INSERT INTO vs.t VALUES (11, 'k', 1)"));
  ASSERT_OK(conn_->Execute("SET SESSION binlog_row_image = MINIMAL"));
  ASSERT_OK(conn_->Execute("UPDATE vs.t SET price = price + 1 WHERE id = 11"));
  ASSERT_OK(conn_->Execute("SET SESSION binlog_row_image = FULL"));
  int rows = 0;
  absl::Status end = ReadRows(*vs, 2, &rows);
  EXPECT_EQ(rows, 1);
  EXPECT_THAT(end, StatusIs(absl::StatusCode::kFailedPrecondition,
                            ::testing::HasSubstr("lacks columns")));
}

TEST_F(VStreamServiceTest, VStreamRpcDeliversRowEvents) {
  ASSERT_OK_AND_ASSIGN(std::string start,
                       mysql::QueryValue(*conn_, "SELECT @@gtid_binlog_pos"));
  ASSERT_OK(conn_->Execute("INSERT INTO vs.t VALUES (7, 'rpc', 7.00)"));
  binlogdata::VStreamRequest req;
  req.set_position("MariaDB/" + start);
  req.mutable_filter()->add_rules()->set_match("/^t$/");  // a regex rule
  grpc::ClientContext ctx;
  auto reader = stub_->VStream(&ctx, req);
  binlogdata::VStreamResponse resp;
  std::string name;
  while (name.empty() && reader->Read(&resp)) {
    for (const auto& e : resp.events()) {
      if (e.type() == binlogdata::ROW) {
        name = std::string(
            mysql::FromVitessRow(e.row_event().row_changes(0).after()).Get(1));
      }
    }
  }
  ctx.TryCancel();
  EXPECT_EQ(name, "rpc");
}

TEST_F(VStreamServiceTest, UnsupportedFilterIsAClearError) {
  binlogdata::Filter filter;
  binlogdata::Rule* rule = filter.add_rules();
  rule->set_match("t");
  rule->set_filter("select id from t");
  EXPECT_THAT(VStreamer::Create(harness::ConnectParamsFor(*instance_), "vs",
                                filter, "current", Clock::Real()),
              StatusIs(absl::StatusCode::kUnimplemented,
                       ::testing::HasSubstr("select * from t")));
  rule->set_match("/t(/");
  EXPECT_THAT(VStreamer::Create(harness::ConnectParamsFor(*instance_), "vs",
                                filter, "current", Clock::Real()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("invalid regular expression")));
}

TEST_F(VStreamServiceTest, StreamsRowsFromSnapshotAfterLastPk) {
  ASSERT_OK(conn_->Execute(
      "INSERT INTO vs.t SELECT seq, CONCAT('n', seq), seq / 4 FROM "
      "vs.seq_1_to_2500"));
  binlogdata::VStreamRowsRequest req;
  req.set_query("select * from t");
  auto read_all = [&](const binlogdata::VStreamRowsRequest& r,
                      std::string* gtid, int* fields) {
    grpc::ClientContext ctx;
    auto reader = stub_->VStreamRows(&ctx, r);
    binlogdata::VStreamRowsResponse resp;
    std::vector<int64_t> ids;
    while (reader->Read(&resp)) {
      if (!resp.gtid().empty()) *gtid = resp.gtid();
      if (resp.fields_size() > 0) *fields = resp.fields_size();
      for (const auto& row : resp.rows()) {
        ids.push_back(mysql::FromVitessRow(row).GetInt64(0).value());
      }
    }
    EXPECT_TRUE(reader->Finish().ok());
    return ids;
  };
  std::string gtid;
  int fields = 0;
  std::vector<int64_t> all = read_all(req, &gtid, &fields);
  ASSERT_EQ(all.size(), 2500u);
  EXPECT_EQ(all.front(), 1);
  EXPECT_EQ(all.back(), 2500);
  EXPECT_EQ(fields, 3);
  EXPECT_THAT(gtid, ::testing::StartsWith("MariaDB/0-1-"));
  query::Field* f = req.mutable_lastpk()->add_fields();
  f->set_name("id");
  *req.mutable_lastpk()->add_rows() =
      mysql::ToVitessRow(mysql::Row({std::string("2000")}));
  std::vector<int64_t> rest = read_all(req, &gtid, &fields);
  ASSERT_EQ(rest.size(), 500u);
  EXPECT_EQ(rest.front(), 2001);
}

// Rows from a snapshot while a transaction prepared (two-phase XA) before
// it is pending: a client going on from the snapshot's GTID would never get
// that transaction's rows. Refused, saying why; once it ends, served.
TEST_F(VStreamServiceTest, RowsAreRefusedWhileAnXaIsPrepared) {
  ASSERT_OK(conn_->Execute("INSERT INTO vs.t VALUES (1, 'a', 1)"));
  ASSERT_OK(PrepareXaAndLeave(harness::ConnectParamsFor(*instance_), "'r'",
                              "INSERT INTO vs.t VALUES (2, 'b', 2)"));
  binlogdata::VStreamRowsRequest req;
  req.set_query("select * from t");
  auto rows = [&](grpc::Status* status) {
    grpc::ClientContext ctx;
    auto reader = stub_->VStreamRows(&ctx, req);
    binlogdata::VStreamRowsResponse resp;
    int n = 0;
    while (reader->Read(&resp)) n += resp.rows_size();
    *status = reader->Finish();
    return n;
  };
  grpc::Status status;
  EXPECT_EQ(rows(&status), 0);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("XA RECOVER"));
  ASSERT_OK(conn_->Execute("XA COMMIT 'r'"));
  EXPECT_EQ(rows(&status), 2);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// A character key goes out as its bytes in the column's own set (pkfields
// flagged binary): cp932 0xED40 read through utf8mb4 comes back as 0xFA5C,
// and a client resuming after it skipped the keys in between. A lastpk
// without the flag is read as utf8mb4, as before.
TEST_F(VStreamServiceTest, CharacterKeysResumeAtTheirBytes) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE vs.j (k VARCHAR(8) CHARACTER SET cp932 PRIMARY KEY, v "
      "INT)"));
  // '0000'||0x8140, then n||0xED40, n||0xF040.
  ASSERT_OK(conn_->Execute(
      absl::StrCat("INSERT INTO vs.j ", Cp932KeyRows("vs", 41))));
  auto read = [&](const binlogdata::VStreamRowsRequest& r,
                  binlogdata::VStreamRowsResponse* head,
                  binlogdata::VStreamRowsResponse* tail) {
    grpc::ClientContext ctx;
    auto reader = stub_->VStreamRows(&ctx, r);
    binlogdata::VStreamRowsResponse resp;
    std::vector<int64_t> vs;
    while (reader->Read(&resp)) {
      if (resp.pkfields_size() > 0) *head = resp;
      if (resp.has_lastpk()) *tail = resp;
      for (const auto& row : resp.rows()) {
        vs.push_back(mysql::FromVitessRow(row).GetInt64(1).value());
      }
    }
    EXPECT_TRUE(reader->Finish().ok());
    return vs;
  };
  binlogdata::VStreamRowsRequest req;
  req.set_query("select * from j");
  binlogdata::VStreamRowsResponse head, tail;
  ASSERT_EQ(read(req, &head, &tail).size(), 41u);
  ASSERT_EQ(head.pkfields_size(), 1);
  EXPECT_EQ(head.pkfields(0).name(), "k");
  EXPECT_EQ(head.pkfields(0).charset(), 63u);
  EXPECT_EQ(mysql::FromVitessRow(tail.lastpk()).value(0).value_or(""),
            "0020\xF0\x40");  // the last key, as stored
  // After '0004'||0xED40 (v 8) comes '0004'||0xF040 (v 9).
  *req.mutable_lastpk()->add_fields() = head.pkfields(0);
  *req.mutable_lastpk()->add_rows() =
      mysql::ToVitessRow(mysql::Row({std::string("0004\xED\x40")}));
  std::vector<int64_t> rest = read(req, &head, &tail);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.front(), 9);
  EXPECT_EQ(rest.size(), 33u);
  // Unflagged: utf8mb4, here of '0004'||0x8149 (U+FF01; as cp932 bytes,
  // an invalid string).
  req.mutable_lastpk()->mutable_fields(0)->set_charset(0);
  *req.mutable_lastpk()->mutable_rows(0) =
      mysql::ToVitessRow(mysql::Row({std::string("0004\xEF\xBC\x81")}));
  rest = read(req, &head, &tail);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.front(), 8);  // '0004'||0xED40
}

// Character values go out as their bytes in the column's own set, each
// field naming its column's collation: read through utf8mb4, cp932 0xED40
// came back as 0xFA5C.
TEST_F(VStreamServiceTest, CharacterValuesGoOutAsTheirBytes) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE vs.c (id INT PRIMARY KEY, a VARCHAR(8) CHARACTER SET "
      "cp932 COLLATE cp932_japanese_ci, m VARCHAR(8) CHARACTER SET utf8mb4 "
      "COLLATE utf8mb4_bin, n INT)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO vs.c VALUES (1, _cp932 X'ED40', _utf8mb4 X'C3A9', 5)"));
  binlogdata::VStreamRowsResponse head;
  std::vector<mysql::Row> rows = StreamRows("select * from c", &head);
  ASSERT_EQ(head.fields_size(), 4);
  ASSERT_OK_AND_ASSIGN(
      std::string cp932,
      mysql::QueryValue(*conn_,
                        "SELECT ID FROM information_schema.COLLATIONS WHERE "
                        "COLLATION_NAME = 'cp932_japanese_ci'"));
  EXPECT_EQ(std::to_string(head.fields(1).charset()), cp932);
  EXPECT_EQ(head.fields(2).charset(), 46u);  // utf8mb4_bin
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].value(1).value_or(""), "\xED\x40");
  EXPECT_EQ(rows[0].value(2).value_or(""), "\xC3\xA9");
  EXPECT_EQ(rows[0].value(3).value_or(""), "5");
}

// FLOAT values go out exact, as the binlog's do (the shortest text that
// reads back as the float), and as FLOAT fields: they went out with the
// 6 digits SELECT shows (1234567 as 1234570).
TEST_F(VStreamServiceTest, FloatValuesGoOutExact) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE vs.fl (id INT PRIMARY KEY, f FLOAT, g FLOAT(7,3), "
      "d DOUBLE)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO vs.fl VALUES (1, 1234567, 1.5, 0.1), (2, 0.123456789, "
      "-0.001, 1e20), (3, NULL, NULL, NULL), (4, -3.40282e38, 0, 2.5)"));
  binlogdata::VStreamRowsResponse head;
  std::vector<mysql::Row> rows =
      StreamRows("select id, d, f, g from fl", &head);
  ASSERT_EQ(head.fields_size(), 4);
  ASSERT_EQ(head.pkfields_size(), 1);
  EXPECT_EQ(head.fields(2).name(), "f");
  EXPECT_EQ(head.fields(2).type(), query::FLOAT32);
  EXPECT_EQ(head.fields(3).type(), query::FLOAT32);
  EXPECT_EQ(head.fields(1).type(), query::FLOAT64);
  ASSERT_EQ(rows.size(), 4u);
  auto row = [&](size_t r) {
    std::vector<std::string> v;
    for (size_t i = 0; i < rows[r].size(); ++i) {
      v.push_back(rows[r].value(i).value_or("NULL"));
    }
    return absl::StrJoin(v, "|");
  };
  EXPECT_EQ(row(0), "1|0.1|1234567|1.5");
  EXPECT_EQ(row(1), "2|1e20|0.12345679|-0.001");
  EXPECT_EQ(row(2), "3|NULL|NULL|NULL");
  EXPECT_EQ(row(3), "4|2.5|-3.40282e38|0");
  EXPECT_EQ(rows[0].size(), 4u);
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
