// The binlog stack against a real MariaDB: every column type with edge
// values goes through inserts, updates and deletes; replaying the decoded
// row events must reproduce exactly what SELECT returns. Also: heartbeats,
// purged GTIDs, and resumption after the dump connection is killed.
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/binlog_streamer.h"
#include "mysql/column_types.h"
#include "mysql/mariadb_binlog_source.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"
#include "tests/harness/shared_instance_test.h"
#include "util/clock.h"
#include "util/status_macros.h"
#include "util/status_matchers.h"
#include "util/wait.h"

namespace sidecut {
namespace mysql {
namespace {

using ::testing::HasSubstr;

constexpr char kCreate[] = R"sql(
CREATE TABLE bt.alltypes (
  id INT PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED,
  mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,
  bi BIGINT, biu BIGINT UNSIGNED,
  de DECIMAL(10,2), de2 DECIMAL(65,30), de3 DECIMAL(5,0), de4 DECIMAL(19,9),
  f FLOAT, d DOUBLE,
  b1 BIT(1), b10 BIT(10), b64 BIT(64),
  y YEAR, dt DATE, tm TIME, tm2 TIME(2), tm4 TIME(4), tm6 TIME(6),
  dtm DATETIME, dtm2 DATETIME(2), dtm6 DATETIME(6),
  ts TIMESTAMP NULL, ts4 TIMESTAMP(4) NULL,
  c CHAR(10), vc VARCHAR(300), bin BINARY(4), vb VARBINARY(20),
  cl CHAR(5) CHARACTER SET latin1, vcl VARCHAR(20) CHARACTER SET latin1,
  cbig CHAR(255),
  tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, lt LONGTEXT,
  tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB,
  e ENUM('a','b','c d'), s SET('x','y','z'),
  j JSON, g GEOMETRY, pt POINT, u UUID, ip INET6, ip4 INET4
) ENGINE=InnoDB
)sql";

const char* const kDml[] = {
    "INSERT INTO bt.alltypes (id) VALUES (1)",
    R"sql(INSERT INTO bt.alltypes VALUES (2,
  -128, 0, -32768, 0, -8388608, 0, -2147483647, 0,
  -9223372036854775808, 0,
  -99999999.99, '-12345678901234567890123456789012345.123456789012345678901234567890',
  -99999, -0.000000001,
  -3.40282e38, -1.7976931348623157e308,
  b'0', b'0000000000', 0,
  1901, '1000-01-01', '-838:59:59', '-00:00:01.50', '-00:00:00.0001',
  '-838:59:58.999999',
  '1000-01-01 00:00:00', '1000-01-01 00:00:00.01', '9999-12-31 23:59:59.999999',
  '1970-01-01 00:00:01', '2038-01-19 03:14:07.9999',
  '', '', X'00', '', '', '', '',
  '', '', '', '', '', '', '', '',
  'a', '', '[]', NULL, NULL,
  '00000000-0000-0000-0000-000000000000', '::', '0.0.0.0'))sql",
    R"sql(INSERT INTO bt.alltypes VALUES (3,
  127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
  9223372036854775807, 18446744073709551615,
  99999999.99, '99999999999999999999999999999999999.999999999999999999999999999999',
  99999, 1234567890.123456789,
  3.14159, 2.718281828459045,
  b'1', b'1111111111', X'FFFFFFFFFFFFFFFF',
  2155, '9999-12-31', '838:59:59', '12:34:56.78', '-01:02:03.0004',
  '00:00:00.000001',
  '9999-12-31 23:59:59', '2024-02-29 13:14:15.16', '1999-01-02 03:04:05.000006',
  '2038-01-19 03:14:07', '2001-02-03 04:05:06.0007',
  'abc', REPEAT('é', 300), 'ab', X'00FF00', 'é', 'ÿ latin', REPEAT('日', 255),
  'tiny 日本語🙂', REPEAT('t', 70000 DIV 1000), REPEAT('m', 70000), 'long',
  X'0001', REPEAT(X'AB', 300), X'FF', 'lb',
  'c d', 'x,z', '{"a": [1, 2.5, null, true], "b": "é"}',
  ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), POINT(1, 2),
  '123e4567-e89b-12d3-a456-426614174000', '2001:db8::ff00:42:8329',
  '192.168.10.1'))sql",
    R"sql(INSERT INTO bt.alltypes (id, y, dt, dtm, ts, tm, e, s, vc, tx)
  VALUES (4, 0, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00',
  '00:00:00', 'b', 'x,y,z', 'it''s "quoted" \\ back', 'line1\nline2'))sql",
    "INSERT INTO bt.alltypes (id, i, vc, de, d) SELECT seq + 100, seq, "
    "CONCAT('row', seq), seq / 7, seq / 3 FROM bt.seq_1_to_1000",
    "UPDATE bt.alltypes SET vc = 'changed', i = i - 1, e = 'b' WHERE id = 3",
    "UPDATE bt.alltypes SET tx = CONCAT('u', id) WHERE id < 5",
    "UPDATE bt.alltypes SET d = d * 2 WHERE id BETWEEN 200 AND 300",
    "DELETE FROM bt.alltypes WHERE id = 2",
    "DELETE FROM bt.alltypes WHERE id > 1000",
};

class BinlogIntegrationTest : public harness::SharedInstanceTest {
 protected:
  void SetUp() override {
    harness::SharedInstanceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK(
        conn_->Execute("SET SESSION time_zone = '+00:00', sql_mode = ''"));
  }

  Position CurrentPosition() {
    auto pos = QueryValue(*conn_, "SELECT @@gtid_binlog_pos");
    EXPECT_OK(pos.status());
    return Position(MariadbGtidPos::Parse(pos.value_or("")).value());
  }

  // Every column type through inserts, updates and deletes in database
  // `db`, decoded from the binlog, matches what SELECT returns.
  void CheckEveryType(const std::string& db);

  MariadbBinlogSourceOptions SourceOptions() {
    MariadbBinlogSourceOptions o;
    o.connect = harness::ConnectParamsFor(*instance_);
    o.heartbeat_period = absl::Milliseconds(200);
    return o;
  }

  // The transactions streamed from `start` to `end`, each as the first
  // column of the rows it inserts or updates to (every event a row event).
  absl::StatusOr<std::vector<std::vector<int64_t>>> InsertedIdsByTransaction(
      const Position& start, const Position& end) {
    MariadbBinlogSourceFactory real(SourceOptions());
    BinlogStreamer streamer(&real, start, Clock::Real());
    std::vector<std::vector<int64_t>> txns;
    while (!streamer.position().AtLeast(end)) {
      SC_ASSIGN_OR_RETURN(StreamItem item, streamer.Next());
      if (item.kind != StreamItem::Kind::kTransaction) continue;
      std::vector<int64_t> ids;
      for (const DecodedEvent& ev : item.transaction.events) {
        EXPECT_NE(ev.kind, DecodedEvent::Kind::kQuery) << ev.query.query;
        if (ev.kind != DecodedEvent::Kind::kRows) continue;
        for (const RowChange& rc : ev.rows.rows) {
          SC_ASSIGN_OR_RETURN(int64_t id, rc.after->GetInt64(0));
          ids.push_back(id);
        }
      }
      txns.push_back(ids);
    }
    return txns;
  }
};

// ISO-8859-1 to UTF-8 (enough for the test's latin1 values).
std::string Latin1ToUtf8(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xc0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
  return out;
}

bool SameValue(const ColumnDef& col, const absl::optional<std::string>& got,
               const absl::optional<std::string>& want) {
  if (got.has_value() != want.has_value()) return false;
  if (!got.has_value() || *got == *want) return true;
  // Strings come in the column's charset; the session reads utf8mb4.
  constexpr uint32_t kLatin1SwedishCi = 8;
  if (col.collation == kLatin1SwedishCi) return Latin1ToUtf8(*got) == *want;
  if (col.type == kTypeFloat || col.type == kTypeDouble) {
    double a = strtod(got->c_str(), nullptr),
           b = strtod(want->c_str(), nullptr);
    double tol = col.type == kTypeFloat ? 1e-5 : 1e-15;
    return std::fabs(a - b) <= tol * std::max(std::fabs(a), std::fabs(b));
  }
  return false;
}

std::string Show(const absl::optional<std::string>& v) {
  if (!v.has_value()) return "NULL";
  if (v->size() > 80)
    return absl::StrCat("'", v->substr(0, 80), "...' (", v->size(), " bytes)");
  return absl::StrCat("'", absl::CHexEscape(*v), "'");
}

// The statements above for database `db` (they name bt).
std::string InDatabase(absl::string_view sql, absl::string_view db) {
  return absl::StrReplaceAll(sql, {{"bt.", absl::StrCat(db, ".")}});
}

void BinlogIntegrationTest::CheckEveryType(const std::string& db) {
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", db)));
  ASSERT_OK(conn_->Execute(InDatabase(kCreate, db)));
  Position start = CurrentPosition();
  for (const char* sql : kDml) {
    ASSERT_OK(conn_->Execute(InDatabase(sql, db))) << sql;
  }
  Position end = CurrentPosition();

  MariadbBinlogSourceFactory factory(SourceOptions());
  BinlogStreamer streamer(&factory, start, Clock::Real());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MysqlConnection> schema_conn,
                       harness::ConnectTo(*instance_));
  int resolver_calls = 0;
  streamer.SetSchemaResolver(
      [&](const std::string& db, const std::string& table)
          -> absl::StatusOr<absl::flat_hash_map<std::string, std::string>> {
        ++resolver_calls;
        SC_ASSIGN_OR_RETURN(
            Result r,
            schema_conn->Execute(absl::StrCat(
                "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = ",
                QuoteString(db), " AND TABLE_NAME = ", QuoteString(table))));
        absl::flat_hash_map<std::string, std::string> types;
        for (const Row& row : r.rows) {
          types[std::string(row.Get(0))] = std::string(row.Get(1));
        }
        return types;
      });
  std::map<int64_t, Row> replay;
  std::shared_ptr<const TableMap> table;
  int transactions = 0, row_changes = 0;
  while (!streamer.position().AtLeast(end)) {
    ASSERT_OK_AND_ASSIGN(StreamItem item, streamer.Next());
    if (item.kind != StreamItem::Kind::kTransaction) continue;
    ++transactions;
    for (const DecodedEvent& ev : item.transaction.events) {
      if (ev.kind != DecodedEvent::Kind::kRows) continue;
      table = ev.table;
      ASSERT_EQ(ev.table->table, "alltypes");
      for (const RowChange& rc : ev.rows.rows) {
        ++row_changes;
        if (rc.before.has_value()) {
          int64_t id = rc.before->GetInt64(0).value();
          ASSERT_TRUE(replay.count(id)) << "before image of unknown row " << id;
          EXPECT_EQ(replay[id].values(), rc.before->values()) << "row " << id;
          replay.erase(id);
        }
        if (rc.after.has_value()) {
          replay[rc.after->GetInt64(0).value()] = *rc.after;
        }
      }
    }
  }
  EXPECT_EQ(transactions, static_cast<int>(std::size(kDml)));
  EXPECT_EQ(resolver_calls, 1);  // cached per table
  EXPECT_EQ(row_changes, 4 + 1000 + 1 + 4 + 101 + 1 + 100);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->database, db);
  EXPECT_EQ(table->columns[1].name, "ti");  // binlog_row_metadata=FULL
  EXPECT_THAT(table->primary_key, ::testing::ElementsAre(0));

  ASSERT_OK_AND_ASSIGN(
      Result want,
      conn_->Execute(InDatabase("SELECT * FROM bt.alltypes ORDER BY id", db)));
  ASSERT_EQ(replay.size(), want.rows.size());
  auto it = replay.begin();
  int mismatches = 0;
  for (const Row& w : want.rows) {
    const Row& got = it->second;
    ASSERT_EQ(got.size(), w.size());
    for (size_t c = 0; c < w.size(); ++c) {
      if (!SameValue(table->columns[c], got.value(c), w.value(c))) {
        ADD_FAILURE() << "row " << w.Get(0) << " column " << want.fields[c].name
                      << ": decoded " << Show(got.value(c)) << ", SELECT "
                      << Show(w.value(c));
        if (++mismatches > 30) return;
      }
    }
    ++it;
  }
}

TEST_F(BinlogIntegrationTest, EveryTypeDecodesToWhatSelectReturns) {
  CheckEveryType("bt");
}

// log_bin_compress: the statements and row images of at least
// log_bin_compress_min_len bytes come compressed (MariaDB's
// QUERY_COMPRESSED_EVENT and compressed v1 rows events); decoded, they
// reproduce the same rows (the compressed rows events were taken for
// unknown events and skipped).
TEST_F(BinlogIntegrationTest, CompressedEventsDecodeToWhatSelectReturns) {
  ASSERT_OK_AND_ASSIGN(std::string file,
                       QueryValue(*conn_, "SHOW MASTER STATUS"));
  ASSERT_OK_AND_ASSIGN(Result status, conn_->Execute("SHOW MASTER STATUS"));
  const std::string from(status.rows[0].Get(1));
  ASSERT_OK(conn_->Execute(
      "SET GLOBAL log_bin_compress = ON, log_bin_compress_min_len = 10"));
  CheckEveryType("btz");
  ASSERT_OK(conn_->Execute(
      "SET GLOBAL log_bin_compress = OFF, log_bin_compress_min_len = 256"));
  // The server did compress them.
  ASSERT_OK_AND_ASSIGN(Result events, conn_->Execute(absl::StrCat(
                                          "SHOW BINLOG EVENTS IN ",
                                          QuoteString(file), " FROM ", from)));
  std::map<std::string, int> kinds;
  for (const Row& row : events.rows) ++kinds[std::string(row.Get(2))];
  EXPECT_GT(kinds["Query_compressed"], 0);
  EXPECT_GT(kinds["Write_rows_compressed_v1"], 0);
  EXPECT_GT(kinds["Update_rows_compressed_v1"], 0);
  EXPECT_GT(kinds["Delete_rows_compressed_v1"], 0);
}

// The optional metadata's per-column lists (signedness, charsets) skip
// columns they do not cover; which ones is the server's choice. A YEAR
// before numeric columns and a GEOMETRY before character columns must not
// shift what the columns after them get; a FLOAT must come back as exactly
// the value stored.
TEST_F(BinlogIntegrationTest, MetadataListsLineUpAfterYearAndGeometry) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS md"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE md.t (id INT PRIMARY KEY, y YEAR, a INT, b INT UNSIGNED, "
      "pt POINT, note VARCHAR(10) CHARACTER SET latin1, title VARCHAR(10) "
      "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, f FLOAT)"));
  Position start = CurrentPosition();
  ASSERT_OK(conn_->Execute(
      "INSERT INTO md.t VALUES (1, 2024, -1, 3000000000, POINT(1, 2), 'x', "
      "'y', 1234567)"));
  Position end = CurrentPosition();
  MariadbBinlogSourceFactory real(SourceOptions());
  BinlogStreamer streamer(&real, start, Clock::Real());
  absl::optional<Row> row;
  std::shared_ptr<const TableMap> table;
  while (!streamer.position().AtLeast(end)) {
    ASSERT_OK_AND_ASSIGN(StreamItem item, streamer.Next());
    if (item.kind != StreamItem::Kind::kTransaction) continue;
    for (const DecodedEvent& ev : item.transaction.events) {
      if (ev.kind != DecodedEvent::Kind::kRows) continue;
      table = ev.table;
      row = ev.rows.rows.at(0).after;
    }
  }
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->Get(2), "-1");
  EXPECT_EQ(row->Get(3), "3000000000");
  EXPECT_FALSE(table->columns[2].is_unsigned);
  EXPECT_TRUE(table->columns[3].is_unsigned);
  constexpr uint32_t kLatin1SwedishCi = 8, kUtf8mb4Bin = 46;
  EXPECT_EQ(table->columns[5].collation, kLatin1SwedishCi);
  EXPECT_EQ(table->columns[6].collation, kUtf8mb4Bin);
  EXPECT_EQ(strtof(std::string(row->Get(7)).c_str(), nullptr), 1234567.0f)
      << row->Get(7);
}

TEST_F(BinlogIntegrationTest, HeartbeatsWhenIdle) {
  MariadbBinlogSourceFactory factory(SourceOptions());
  BinlogStreamer streamer(&factory, CurrentPosition(), Clock::Real());
  ASSERT_OK_AND_ASSIGN(StreamItem item, streamer.Next());
  EXPECT_EQ(item.kind, StreamItem::Kind::kHeartbeat);
}

TEST_F(BinlogIntegrationTest, PurgedGtidIsAClearError) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS pg"));
  ASSERT_OK(conn_->Execute("CREATE TABLE pg.t (id INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("INSERT INTO pg.t VALUES (1)"));
  ASSERT_OK(conn_->Execute("FLUSH BINARY LOGS"));
  ASSERT_OK(conn_->Execute("INSERT INTO pg.t VALUES (2)"));
  // MariaDB keeps a file until InnoDB's binlog checkpoint has passed it:
  // retry the purge until only the current file is left.
  ASSERT_OK(WaitFor(
      Clock::Real(), "old binlogs to be purged", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(Result logs, conn_->Execute("SHOW BINARY LOGS"));
        if (logs.rows.size() == 1) return true;
        std::string last(logs.rows.back().Get(0));
        SC_RETURN_IF_ERROR(
            conn_->Execute(absl::StrCat("PURGE BINARY LOGS TO '", last, "'"))
                .status());
        return false;
      }));
  // Position 0-1-1 is long gone.
  Position ancient(MariadbGtidPos::Parse("0-1-1").value());
  MariadbBinlogSourceFactory factory(SourceOptions());
  BinlogStreamer streamer(&factory, ancient, Clock::Real());
  absl::StatusOr<StreamItem> item = streamer.Next();
  EXPECT_THAT(item, StatusIs(absl::StatusCode::kFailedPrecondition,
                             HasSubstr("purged")));
  EXPECT_THAT(item.status().message(), HasSubstr("no longer has the binlogs"));
  // A position ahead of the server's binlog is no purge: said as what it is
  // (the server answers 1236 to both).
  BinlogStreamer ahead(&factory,
                       Position(MariadbGtidPos::Parse("0-1-999999").value()),
                       Clock::Real());
  absl::StatusOr<StreamItem> next = ahead.Next();
  EXPECT_THAT(next, StatusIs(absl::StatusCode::kFailedPrecondition,
                             HasSubstr("never held this position")));
  EXPECT_THAT(next.status().message(), ::testing::Not(HasSubstr("purged?")));
}

// Wraps the real source and drops the connection every `period` events.
class DroppingSource final : public BinlogSource {
 public:
  DroppingSource(std::unique_ptr<BinlogSource> inner, int period, int* drops)
      : inner_(std::move(inner)), period_(period), drops_(drops) {}
  absl::Status Open(const Position& start) override {
    return inner_->Open(start);
  }
  absl::StatusOr<std::string> Next() override {
    if (++count_ % period_ == 0) {
      ++*drops_;
      inner_->Close();
      return absl::UnavailableError("injected connection drop");
    }
    return inner_->Next();
  }
  void Close() override { inner_->Close(); }

 private:
  std::unique_ptr<BinlogSource> inner_;
  int period_;
  int count_ = 0;
  int* drops_;
};

class DroppingFactory final : public BinlogSourceFactory {
 public:
  DroppingFactory(BinlogSourceFactory* inner, int period)
      : inner_(inner), period_(period) {}
  std::unique_ptr<BinlogSource> Create() override {
    ++period_;  // vary where the drops land
    return std::make_unique<DroppingSource>(inner_->Create(), period_, &drops_);
  }
  int drops() const { return drops_; }

 private:
  BinlogSourceFactory* inner_;
  int period_;
  int drops_ = 0;
};

TEST_F(BinlogIntegrationTest, ResumesAfterDropsWithoutLossOrRepeat) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS rs"));
  ASSERT_OK(conn_->Execute("CREATE TABLE rs.t (id INT PRIMARY KEY, v INT)"));
  Position start = CurrentPosition();
  for (int i = 1; i <= 200; ++i) {
    ASSERT_OK(conn_->Execute(absl::StrCat("INSERT INTO rs.t VALUES (", i, ", ",
                                          i, "), (", i + 1000, ", 0)")));
  }
  Position end = CurrentPosition();
  MariadbBinlogSourceFactory real(SourceOptions());
  DroppingFactory dropping(&real, 7);
  BinlogStreamer streamer(&dropping, start, Clock::Real());
  std::vector<int64_t> ids;
  while (!streamer.position().AtLeast(end)) {
    ASSERT_OK_AND_ASSIGN(StreamItem item, streamer.Next());
    for (const DecodedEvent& ev : item.transaction.events) {
      if (ev.kind != DecodedEvent::Kind::kRows) continue;
      for (const RowChange& rc : ev.rows.rows) {
        ids.push_back(rc.after->GetInt64(0).value());
      }
    }
  }
  EXPECT_GT(dropping.drops(), 10);
  EXPECT_EQ(streamer.reconnects(), dropping.drops());
  ASSERT_EQ(ids.size(), 400u);
  for (int i = 1; i <= 200; ++i) {
    EXPECT_EQ(ids[2 * (i - 1)], i);
    EXPECT_EQ(ids[2 * (i - 1) + 1], i + 1000);
  }
}

// MariaDB writes no BEGIN event (its GTID event starts a transaction) but
// logs SAVEPOINT as a query inside the transaction: the changes after it
// belong to the same transaction and must not be dropped.
TEST_F(BinlogIntegrationTest, SavepointsKeepTheWholeTransaction) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS sp"));
  ASSERT_OK(conn_->Execute("CREATE TABLE sp.t (id INT PRIMARY KEY, v INT)"));
  Position start = CurrentPosition();
  ASSERT_OK(conn_->Execute("BEGIN"));
  ASSERT_OK(conn_->Execute("INSERT INTO sp.t VALUES (1, 1)"));
  ASSERT_OK(conn_->Execute("SAVEPOINT `s 1`"));
  ASSERT_OK(conn_->Execute("INSERT INTO sp.t VALUES (2, 2)"));
  ASSERT_OK(conn_->Execute("SAVEPOINT s2"));
  ASSERT_OK(conn_->Execute("INSERT INTO sp.t VALUES (3, 3)"));
  ASSERT_OK(conn_->Execute("ROLLBACK TO SAVEPOINT s2"));
  ASSERT_OK(conn_->Execute("INSERT INTO sp.t VALUES (4, 4)"));
  ASSERT_OK(conn_->Execute("COMMIT"));
  ASSERT_OK(conn_->Execute("INSERT INTO sp.t VALUES (5, 5)"));
  Position end = CurrentPosition();
  std::vector<std::vector<int64_t>> txns;
  ASSERT_OK_AND_ASSIGN(txns, InsertedIdsByTransaction(start, end));
  EXPECT_THAT(txns, ::testing::ElementsAre(::testing::ElementsAre(1, 2, 4),
                                           ::testing::ElementsAre(5)));
}

// A transaction that changed a non-transactional table keeps the rows it
// rolled back to a savepoint in the binlog, followed by ROLLBACK TO (which
// a replica runs to undo them): they are not part of it. (They were
// applied: rows the source never committed.)
TEST_F(BinlogIntegrationTest, RowsRolledBackToASavepointAreDropped) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS sp2"));
  ASSERT_OK(conn_->Execute("CREATE TABLE sp2.t (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE sp2.m (x INT) ENGINE=MyISAM"));
  Position start = CurrentPosition();
  for (const char* sql :
       {"BEGIN", "INSERT INTO sp2.m VALUES (100)",
        "INSERT INTO sp2.t VALUES (1, 1)", "SAVEPOINT `a``b`",
        "INSERT INTO sp2.t VALUES (2, 2)", "SAVEPOINT s2",
        "INSERT INTO sp2.t VALUES (3, 3)", "ROLLBACK TO SAVEPOINT `a``b`",
        "INSERT INTO sp2.t VALUES (4, 4)", "SAVEPOINT s2",
        "INSERT INTO sp2.t VALUES (5, 5)", "UPDATE sp2.t SET v = 9",
        "ROLLBACK TO s2", "COMMIT",
        // Names compare without case; one set again (in another case)
        // moves.
        "BEGIN", "INSERT INTO sp2.m VALUES (100)", "SAVEPOINT Up",
        "INSERT INTO sp2.t VALUES (7, 7)", "SAVEPOINT `uP`",
        "INSERT INTO sp2.t VALUES (8, 8)", "ROLLBACK TO UP", "COMMIT",
        "INSERT INTO sp2.t VALUES (6, 6)"}) {
    ASSERT_OK(conn_->Execute(sql));
  }
  EXPECT_THAT(QueryValue(*conn_,
                         "SELECT GROUP_CONCAT(id, ':', v "
                         "ORDER BY id) FROM sp2.t"),
              IsOkAndHolds("1:1,4:4,6:6,7:7"));
  Position end = CurrentPosition();
  std::vector<std::vector<int64_t>> txns;
  ASSERT_OK_AND_ASSIGN(txns, InsertedIdsByTransaction(start, end));
  // The MyISAM row is logged first, as a transaction of its own.
  EXPECT_THAT(txns, ::testing::ElementsAre(::testing::ElementsAre(100),
                                           ::testing::ElementsAre(1, 4),
                                           ::testing::ElementsAre(100),
                                           ::testing::ElementsAre(7),
                                           ::testing::ElementsAre(6)));
}

// Two-phase XA: the prepared half is a transaction of its own, marked
// prepared, with its rows; XA COMMIT and XA ROLLBACK are each a group with
// nothing to apply. One phase, it is a plain transaction. (Before, the
// prepared half never ended: its rows were dropped when the next GTID came.)
TEST_F(BinlogIntegrationTest, TwoPhaseXaIsMarkedPrepared) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS xa"));
  ASSERT_OK(conn_->Execute("CREATE TABLE xa.t (id INT PRIMARY KEY)"));
  Position start = CurrentPosition();
  for (const char* sql :
       {"XA START 'x1'", "INSERT INTO xa.t VALUES (1)", "XA END 'x1'",
        "XA PREPARE 'x1'", "XA COMMIT 'x1'", "XA START 'x2'",
        "INSERT INTO xa.t VALUES (2)", "XA END 'x2'", "XA PREPARE 'x2'",
        "XA ROLLBACK 'x2'", "XA START 'x3'", "INSERT INTO xa.t VALUES (3)",
        "XA END 'x3'", "XA COMMIT 'x3' ONE PHASE",
        "INSERT INTO xa.t VALUES (4)",
        // The largest format id MariaDB takes.
        "XA START 'x5','b',2147483647", "INSERT INTO xa.t VALUES (5)",
        "XA END 'x5','b',2147483647", "XA PREPARE 'x5','b',2147483647",
        "XA COMMIT 'x5','b',2147483647"}) {
    ASSERT_OK(conn_->Execute(sql));
  }
  Position end = CurrentPosition();
  MariadbBinlogSourceFactory real(SourceOptions());
  BinlogStreamer streamer(&real, start, Clock::Real());
  std::vector<std::string> txns;
  while (!streamer.position().AtLeast(end)) {
    ASSERT_OK_AND_ASSIGN(StreamItem item, streamer.Next());
    if (item.kind != StreamItem::Kind::kTransaction) continue;
    const Transaction& x = item.transaction;
    std::string t = x.xa_prepared ? "prepared" : "";
    if (x.xa_commit) t = "commit";
    if (!x.xa_id.empty()) absl::StrAppend(&t, "(", x.xa_id, ")");
    for (const DecodedEvent& ev : item.transaction.events) {
      EXPECT_NE(ev.kind, DecodedEvent::Kind::kQuery) << ev.query.query;
      if (ev.kind != DecodedEvent::Kind::kRows) continue;
      for (const RowChange& rc : ev.rows.rows) {
        absl::StrAppend(&t, " ", rc.after->GetInt64(0).value());
      }
    }
    txns.push_back(t);
  }
  // The ids as the server logs them: the ending groups' match their
  // prepared halves'.
  EXPECT_THAT(txns, ::testing::ElementsAre(
                        "prepared(X'7831',X'',1) 1", "commit(X'7831',X'',1)",
                        "prepared(X'7832',X'',1) 2", "(X'7832',X'',1)", " 3",
                        " 4", "prepared(X'7835',X'62',2147483647) 5",
                        "commit(X'7835',X'62',2147483647)"));
}

// A group ending in ROLLBACK (a transaction that also changed a
// non-transactional table, rolled back) applies nothing but is a position
// all the same: a reader waiting to reach it must not wait for the next.
TEST_F(BinlogIntegrationTest, ARolledBackGroupAdvancesThePosition) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS rb"));
  ASSERT_OK(conn_->Execute("CREATE TABLE rb.i (id INT PRIMARY KEY)"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE rb.m (id INT PRIMARY KEY) ENGINE=MyISAM"));
  Position start = CurrentPosition();
  // Logged as statements, the MyISAM change goes into the transaction,
  // which the binlog then ends with ROLLBACK.
  ASSERT_OK(conn_->Execute("SET SESSION binlog_format = 'STATEMENT'"));
  ASSERT_OK(conn_->Execute("BEGIN"));
  ASSERT_OK(conn_->Execute("INSERT INTO rb.i VALUES (1)"));
  ASSERT_OK(conn_->Execute("INSERT INTO rb.m VALUES (1)"));
  ASSERT_OK(conn_->Execute("ROLLBACK"));
  ASSERT_OK(conn_->Execute("SET SESSION binlog_format = 'ROW'"));
  Position end = CurrentPosition();
  ASSERT_FALSE(start.AtLeast(end)) << "the rolled-back group was not logged";
  MariadbBinlogSourceFactory real(SourceOptions());
  BinlogStreamer streamer(&real, start, Clock::Real());
  ASSERT_OK_AND_ASSIGN(StreamItem item, streamer.Next());
  ASSERT_EQ(item.kind, StreamItem::Kind::kTransaction);
  EXPECT_TRUE(item.transaction.position.AtLeast(end));
  EXPECT_THAT(item.transaction.events, ::testing::IsEmpty());
}

TEST_F(BinlogIntegrationTest, ResumesAfterServerKillsTheDumpThread) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS kd"));
  ASSERT_OK(conn_->Execute("CREATE TABLE kd.t (id INT PRIMARY KEY)"));
  Position start = CurrentPosition();
  MariadbBinlogSourceFactory factory(SourceOptions());
  BinlogStreamer streamer(&factory, start, Clock::Real());
  std::vector<int64_t> ids;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 5; ++i) {
      ASSERT_OK(conn_->Execute(
          absl::StrCat("INSERT INTO kd.t VALUES (", round * 10 + i, ")")));
    }
    Position end = CurrentPosition();
    while (!streamer.position().AtLeast(end)) {
      ASSERT_OK_AND_ASSIGN(StreamItem item, streamer.Next());
      for (const DecodedEvent& ev : item.transaction.events) {
        if (ev.kind == DecodedEvent::Kind::kRows) {
          ids.push_back(ev.rows.rows[0].after->GetInt64(0).value());
        }
      }
    }
    // Kill every binlog dump thread: the streamer must reconnect.
    ASSERT_OK_AND_ASSIGN(
        Result dumps,
        conn_->Execute("SELECT ID FROM information_schema.PROCESSLIST "
                       "WHERE COMMAND LIKE 'Binlog Dump%'"));
    ASSERT_FALSE(dumps.rows.empty());
    for (const Row& r : dumps.rows) {
      ASSERT_OK(conn_->Execute(absl::StrCat("KILL ", r.Get(0))));
    }
  }
  EXPECT_EQ(ids.size(), 15u);
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i], static_cast<int64_t>((i / 5) * 10 + i % 5));
  }
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
