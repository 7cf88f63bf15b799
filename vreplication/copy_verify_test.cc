#include "vreplication/copy_verify.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/binlogdata.pb.h"
#include "tests/harness/shared_instance_test.h"
#include "util/status_matchers.h"
#include "vreplication/testing/vr_test_util.h"

namespace sidecut {
namespace vreplication {
namespace {

using testing::Cp932KeyRows;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class CopyVerifyTest : public harness::SharedInstanceTest {
 protected:
  // db.src of 100 rows and db.dst, its copy with columns of other types.
  void MakeCopy(const std::string& db) {
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", db)));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE ", db,
                     ".src (id INT PRIMARY KEY, name VARCHAR(20) COLLATE "
                     "utf8mb4_general_ci, n INT, f FLOAT, x DECIMAL(5,2))")));
    // name longer, n wider (both store every value alike: compared); x of
    // a smaller scale (rounded: not compared); an added column.
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE ", db,
        ".dst (id INT PRIMARY KEY, name VARCHAR(40) COLLATE "
        "utf8mb4_general_ci, n BIGINT, f FLOAT, x DECIMAL(6,1), added INT "
        "NOT NULL DEFAULT 7)")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "INSERT INTO ", db,
        ".src SELECT seq, CONCAT('name', seq), IF(seq % 10 = 0, NULL, seq), "
        "seq / 3, seq / 7 FROM ",
        db, ".seq_1_to_100")));
    ASSERT_OK(conn_->Execute(absl::StrCat("INSERT INTO ", db,
                                          ".dst (id, name, n, f, x) SELECT id, "
                                          "name, n, f, x FROM ",
                                          db, ".src")));
  }
  // The plan copying into db.`target` through `filter`; loads
  // collations_ too.
  absl::StatusOr<TablePlan> Plan(const std::string& db,
                                 const std::string& filter,
                                 const std::string& target = "dst") {
    binlogdata::Rule rule;
    rule.set_match(target);
    rule.set_filter(filter);
    SC_ASSIGN_OR_RETURN(collations_, LoadCollations(*conn_));
    return BuildTablePlan(*conn_, db, rule);
  }
  absl::StatusOr<CopyVerifyResult> Verify(const std::string& db,
                                          size_t chunk_rows) {
    // The strictest grouping rules (the corpus cases' servers run so).
    SC_RETURN_IF_ERROR(
        conn_
            ->Execute("SET SESSION sql_mode = 'ONLY_FULL_GROUP_BY,"
                      "STRICT_ALL_TABLES'")
            .status());
    SC_ASSIGN_OR_RETURN(TablePlan plan,
                        Plan(db, "select id, name, n, f, x from src"));
    SC_RETURN_IF_ERROR(conn_->Execute("BEGIN").status());
    absl::StatusOr<CopyVerifyResult> r = VerifyCopy(
        *conn_, plan, &collations_, chunk_rows, [this](int64_t rows, bool) {
          progress_.push_back(rows);
          return absl::OkStatus();
        });
    SC_RETURN_IF_ERROR(conn_->Execute("ROLLBACK").status());
    return r;
  }
  // The sessions a comparison runs with: the first alone, then with a
  // second one reading the target at once.
  std::vector<mysql::Connection*> OneAndTwoSessions() {
    if (second_ == nullptr) {
      absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> c =
          harness::ConnectTo(*instance_);
      EXPECT_OK(c.status());
      if (c.ok()) second_ = *std::move(c);
    }
    return {nullptr, second_.get()};
  }
  // VerifyCopy of `plan` on conn_ (and `other`), its progress in progress_.
  absl::StatusOr<CopyVerifyResult> Compare(const TablePlan& plan,
                                           size_t chunk_rows,
                                           mysql::Connection* other) {
    progress_.clear();
    return VerifyCopy(
        *conn_, plan, &collations_, chunk_rows,
        [this](int64_t rows, bool) {
          progress_.push_back(rows);
          return absl::OkStatus();
        },
        nullptr, other);
  }
  // `plan`'s copy verifies with one session and with two, comparing
  // `compared`, every chunk's checksums agreeing.
  void ExpectVerifiedByChecksums(const TablePlan& plan,
                                 const std::vector<std::string>& compared) {
    for (mysql::Connection* other : OneAndTwoSessions()) {
      SCOPED_TRACE(other == nullptr ? "one session" : "two sessions");
      ASSERT_OK_AND_ASSIGN(CopyVerifyResult r, Compare(plan, 16, other));
      EXPECT_TRUE(r.ok()) << r.Summary();
      EXPECT_EQ(r.compared, compared);
      EXPECT_EQ(r.row_by_row_chunks, 0);
    }
  }
  CollationMap collations_;
  std::vector<int64_t> progress_;
  std::unique_ptr<mysql::MysqlConnection> second_;
};

// A target whose rows its key cannot tell apart is refused as such,
// marked: only that refusal lets a migration cut over unverified (any
// FailedPrecondition without a MySQL error did).
TEST_F(CopyVerifyTest, AnUnverifiableCopyIsMarkedAsSuch) {
  MakeCopy("vu");
  ASSERT_OK_AND_ASSIGN(TablePlan plan,
                       Plan("vu", "select id, name, n, f, x from src"));
  plan.target.unique_keys.clear();
  absl::StatusOr<CopyVerifyResult> r = Compare(plan, 30, nullptr);
  EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                   HasSubstr("no unique key")));
  EXPECT_TRUE(IsUnverifiableCopy(r.status()));
  EXPECT_FALSE(IsUnverifiableCopy(absl::FailedPreconditionError("x")));
  EXPECT_FALSE(IsUnverifiableCopy(absl::OkStatus()));
}

TEST_F(CopyVerifyTest, ACopyOfItsSourceVerifies) {
  MakeCopy("v1");
  ASSERT_OK_AND_ASSIGN(CopyVerifyResult r, Verify("v1", 30));
  EXPECT_TRUE(r.ok()) << r.Summary();
  EXPECT_EQ(r.source_rows, 100);
  EXPECT_EQ(r.target_rows, 100);
  EXPECT_THAT(r.compared, ElementsAre("id", "name", "n", "f"));
  EXPECT_THAT(r.skipped, ElementsAre("x"));
  EXPECT_THAT(progress_, ElementsAre(30, 60, 90, 100));
  // Every chunk's checksums agreed: none compared row by row.
  EXPECT_EQ(r.row_by_row_chunks, 0);
  EXPECT_EQ(r.Summary(),
            "100 rows, 4 of 5 columns compared (not `x`: filled by an "
            "expression or stored as another type)");
}

// A date key holding dates only ALLOW_INVALID_DATES stores, and a zero
// date, at chunk bounds, verified from sessions in strict modes without
// it (and with NO_ZERO_DATE): every row is compared. (A review thought a
// bound, a CAST that reads as NULL in such a mode, would end the
// comparison there; in a WHERE it compares as the stored value.)
TEST_F(CopyVerifyTest, InvalidAndZeroDateKeysBoundChunksToTheEnd) {
  ASSERT_OK(conn_->Execute("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'"));
  ASSERT_OK(conn_->Execute("CREATE DATABASE vdates"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE vdates.src (d DATE PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO vdates.src VALUES ('0000-00-00', 0), ('2020-01-01', 1), "
      "('2020-02-30', 2), ('2020-02-31', 3), ('2020-03-01', 4), "
      "('2020-04-31', 5), ('2020-05-01', 6), ('2020-06-01', 7)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE vdates.dst LIKE vdates.src"));
  ASSERT_OK(conn_->Execute("INSERT INTO vdates.dst SELECT * FROM vdates.src"));
  ASSERT_OK(
      conn_->Execute("UPDATE vdates.dst SET v = 60 WHERE d = '2020-05-01'"));
  ASSERT_OK_AND_ASSIGN(TablePlan plan, Plan("vdates", "select * from src"));
  for (mysql::Connection* other : OneAndTwoSessions()) {
    SCOPED_TRACE(other == nullptr ? "one session" : "two sessions");
    for (mysql::Connection* c :
         {static_cast<mysql::Connection*>(conn_.get()), other}) {
      if (c == nullptr) continue;
      ASSERT_OK(
          c->Execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,"
                     "NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION'"));
    }
    for (size_t chunk : {2, 3}) {
      SCOPED_TRACE(chunk);
      ASSERT_OK_AND_ASSIGN(CopyVerifyResult r, Compare(plan, chunk, other));
      EXPECT_EQ(r.source_rows, 8);
      EXPECT_EQ(r.differing, 1);
      EXPECT_THAT(r.examples, ElementsAre("('2020-05-01')"));
    }
  }
}

TEST_F(CopyVerifyTest, EveryKindOfDifferenceIsFound) {
  MakeCopy("v2");
  // Case only (the collation calls them equal), a NULL for a value, a row
  // missing, a row too many.
  ASSERT_OK(conn_->Execute("UPDATE v2.dst SET name = 'NAME3' WHERE id = 3"));
  ASSERT_OK(conn_->Execute("UPDATE v2.dst SET n = NULL WHERE id = 9"));
  ASSERT_OK(conn_->Execute("UPDATE v2.dst SET f = f + 1 WHERE id = 44"));
  ASSERT_OK(conn_->Execute("DELETE FROM v2.dst WHERE id = 57"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO v2.dst (id, name) VALUES (1000, 'none')"));
  // A column not compared may differ.
  ASSERT_OK(conn_->Execute("UPDATE v2.dst SET x = 0 WHERE id = 5"));
  ASSERT_OK_AND_ASSIGN(CopyVerifyResult r, Verify("v2", 7));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.missing, 1);
  EXPECT_EQ(r.differing, 3);
  EXPECT_EQ(r.extra(), 1);
  EXPECT_THAT(r.examples,
              UnorderedElementsAre("('3')", "('9')", "('44')", "('57')"));
  EXPECT_THAT(r.Summary(),
              HasSubstr(": 1 missing, 3 differing, 1 extra (keys ('3')"));
}

TEST_F(CopyVerifyTest, RowsOfACompositeKeyAreFound) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE v3"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE v3.src (a INT, b VARCHAR(10), v INT, PRIMARY KEY (a, "
      "b))"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE v3.dst (a INT, b VARCHAR(10), v INT, PRIMARY KEY (a, "
      "b))"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO v3.src SELECT seq % 5, CONCAT('k', seq), seq FROM "
      "v3.seq_1_to_50"));
  ASSERT_OK(conn_->Execute("INSERT INTO v3.dst SELECT * FROM v3.src"));
  ASSERT_OK(
      conn_->Execute("UPDATE v3.dst SET v = -1 WHERE a = 2 AND b = 'k17'"));
  ASSERT_OK_AND_ASSIGN(TablePlan plan, Plan("v3", "select * from src"));
  ASSERT_OK_AND_ASSIGN(CopyVerifyResult r,
                       VerifyCopy(*conn_, plan, &collations_, 4));
  EXPECT_EQ(r.source_rows, 50);
  EXPECT_EQ(r.differing, 1);
  EXPECT_THAT(r.examples, ElementsAre("('2', 'k17')"));
}

// Where the key is defined alike in both tables each chunk is complete in
// itself: the snapshot may be renewed between chunks, and rows changed
// (alike in both) in between do not count as differences.
TEST_F(CopyVerifyTest, ASnapshotRenewedBetweenChunksStillVerifies) {
  MakeCopy("v5");
  ASSERT_OK_AND_ASSIGN(auto other, harness::ConnectTo(*instance_));
  ASSERT_OK_AND_ASSIGN(TablePlan plan,
                       Plan("v5", "select id, name, n, f, x from src"));
  ASSERT_TRUE(KeyRangesMatch(plan));
  ASSERT_OK(conn_->Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT"));
  int chunks = 0;
  auto renew = [&](int64_t, bool) -> absl::Status {
    if (++chunks != 2) return absl::OkStatus();
    SC_RETURN_IF_ERROR(conn_->Execute("ROLLBACK").status());
    for (const char* sql :
         {"DELETE FROM v5.src WHERE id = 5", "DELETE FROM v5.dst WHERE id = 5",
          "INSERT INTO v5.src (id, name) VALUES (150, 'late')",
          "INSERT INTO v5.dst (id, name) VALUES (150, 'late')",
          "INSERT INTO v5.dst (id, name) VALUES (200, 'extra')"}) {
      SC_RETURN_IF_ERROR(other->Execute(sql).status());
    }
    return conn_->Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
        .status();
  };
  ASSERT_OK_AND_ASSIGN(CopyVerifyResult r,
                       VerifyCopy(*conn_, plan, &collations_, 10, renew));
  ASSERT_OK(conn_->Execute("ROLLBACK"));
  EXPECT_EQ(r.source_rows, 101);  // 1-100 and 150, 5 counted before
  EXPECT_EQ(r.missing, 0);
  EXPECT_EQ(r.differing, 0);
  EXPECT_EQ(r.extra(), 1) << r.Summary();  // 200
}

// A key widened (INT to BIGINT) holds the same values in the same order:
// chunks stay complete in themselves.
TEST_F(CopyVerifyTest, AWidenedKeyKeepsItsRanges) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE v6"));
  ASSERT_OK(conn_->Execute("CREATE TABLE v6.src (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE v6.dst (id BIGINT PRIMARY KEY, v INT)"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO v6.src SELECT seq, seq FROM v6.seq_1_to_30"));
  ASSERT_OK(conn_->Execute("INSERT INTO v6.dst SELECT * FROM v6.src"));
  ASSERT_OK(conn_->Execute("INSERT INTO v6.dst VALUES (99, 99)"));
  ASSERT_OK_AND_ASSIGN(TablePlan plan, Plan("v6", "select * from src"));
  EXPECT_TRUE(KeyRangesMatch(plan));
  ASSERT_OK_AND_ASSIGN(CopyVerifyResult r,
                       VerifyCopy(*conn_, plan, &collations_, 7));
  EXPECT_EQ(r.source_rows, 30);
  EXPECT_EQ(r.target_rows, 31);
  EXPECT_EQ(r.extra(), 1);
  EXPECT_THAT(r.compared, ElementsAre("id", "v"));
}

// A key of another collation (the same rank: compared naively, an illegal
// mix): keys meet in the target's; the target rows are counted once, in
// the snapshot.
TEST_F(CopyVerifyTest, AKeyOfAnotherCollationIsMatchedInTheTargets) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE v7"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE v7.src (k VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY "
      "KEY, v INT)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE v7.dst (k VARCHAR(20) COLLATE utf8mb4_unicode_ci PRIMARY "
      "KEY, v INT)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO v7.src SELECT CONCAT('k', seq), seq FROM v7.seq_1_to_30"));
  ASSERT_OK(conn_->Execute("INSERT INTO v7.dst SELECT * FROM v7.src"));
  ASSERT_OK(conn_->Execute("UPDATE v7.dst SET v = 0 WHERE k = 'k12'"));
  ASSERT_OK(conn_->Execute("INSERT INTO v7.dst VALUES ('zz', 99)"));
  ASSERT_OK_AND_ASSIGN(TablePlan plan, Plan("v7", "select * from src"));
  EXPECT_FALSE(KeyRangesMatch(plan));
  ASSERT_OK_AND_ASSIGN(CopyVerifyResult r,
                       VerifyCopy(*conn_, plan, &collations_, 7));
  EXPECT_EQ(r.source_rows, 30);
  EXPECT_EQ(r.target_rows, 31);
  EXPECT_EQ(r.differing, 1);
  EXPECT_EQ(r.extra(), 1);
  EXPECT_THAT(r.examples, ElementsAre("('k12')"));
}

// Differences the chunk checksums must not hide: the same change to an
// even number of rows (a linear hash such as CRC32 XORs them away), a
// FLOAT differing past its 6-digit text form.
TEST_F(CopyVerifyTest, ChecksumsHideNoDifference) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE v8"));
  for (const char* t : {"src", "dst"}) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE v8.", t,
                     " (id INT PRIMARY KEY, f FLOAT NOT NULL, flag INT NOT "
                     "NULL)")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO v8.src SELECT seq, 1234567, 0 FROM v8.seq_1_to_20"));
  ASSERT_OK(conn_->Execute("INSERT INTO v8.dst SELECT * FROM v8.src"));
  ASSERT_OK_AND_ASSIGN(TablePlan plan, Plan("v8", "select * from src"));
  ASSERT_TRUE(KeyRangesMatch(plan));
  ASSERT_OK(conn_->Execute("UPDATE v8.dst SET flag = 1 WHERE id IN (3, 8)"));
  ASSERT_OK(conn_->Execute("UPDATE v8.dst SET f = 1234570 WHERE id = 15"));
  ASSERT_OK_AND_ASSIGN(CopyVerifyResult r,
                       VerifyCopy(*conn_, plan, &collations_, 100));
  EXPECT_EQ(r.differing, 3) << r.Summary();
  EXPECT_THAT(r.examples, UnorderedElementsAre("('3')", "('8')", "('15')"));
}

// ZEROFILL pads an integer's text: a widened one is still the same value.
TEST_F(CopyVerifyTest, AZerofillIntegerWidenedVerifies) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE v9"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE v9.src (id INT PRIMARY KEY, z INT(5) ZEROFILL NOT NULL)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE v9.dst (id INT PRIMARY KEY, z BIGINT NOT NULL)"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO v9.src SELECT seq, seq FROM v9.seq_1_to_20"));
  ASSERT_OK(conn_->Execute("INSERT INTO v9.dst SELECT * FROM v9.src"));
  ASSERT_OK_AND_ASSIGN(TablePlan plan, Plan("v9", "select * from src"));
  ASSERT_OK_AND_ASSIGN(CopyVerifyResult r,
                       VerifyCopy(*conn_, plan, &collations_, 100));
  EXPECT_TRUE(r.ok()) << r.Summary();
  EXPECT_THAT(r.compared, ElementsAre("id", "z"));
  EXPECT_EQ(r.row_by_row_chunks, 0);  // the checksums agree
}

// A row's character columns of two collations are hashed as bytes
// (CONCAT_WS may refuse them: latin1 and sjis are an illegal mix); of one
// collation, as they are: a difference of case is found either way.
TEST_F(CopyVerifyTest, CharacterColumnsOfOneOrTwoCollationsAreComparedAsBytes) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE v20"));
  for (const char* t : {"src", "dst"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE v20.", t,
        " (id INT PRIMARY KEY, a VARCHAR(10) COLLATE utf8mb4_general_ci, c "
        "CHAR(5) CHARACTER SET latin1, e VARCHAR(10) CHARACTER SET sjis)")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO v20.src SELECT seq, CONCAT('a', seq), 'c', CONCAT('e', "
      "seq) FROM v20.seq_1_to_40"));
  ASSERT_OK(conn_->Execute("INSERT INTO v20.dst SELECT * FROM v20.src"));
  ASSERT_OK(conn_->Execute("UPDATE v20.dst SET a = 'A7' WHERE id = 7"));
  ASSERT_OK(conn_->Execute("UPDATE v20.dst SET c = 'C' WHERE id = 31"));
  ASSERT_OK(conn_->Execute("UPDATE v20.dst SET e = 'E33' WHERE id = 33"));
  ASSERT_OK_AND_ASSIGN(TablePlan plan, Plan("v20", "select id, c, e from src"));
  ASSERT_OK_AND_ASSIGN(CopyVerifyResult r,
                       VerifyCopy(*conn_, plan, &collations_, 16));
  EXPECT_EQ(r.source_rows, 40);
  EXPECT_EQ(r.differing, 2) << r.Summary();
  EXPECT_THAT(r.examples, ElementsAre("('31')", "('33')"));
  EXPECT_EQ(r.row_by_row_chunks, 2);  // the chunks of rows 31 and 33
  // One collation: only `a`.
  ASSERT_OK_AND_ASSIGN(plan, Plan("v20", "select id, a from src"));
  ASSERT_OK_AND_ASSIGN(r, VerifyCopy(*conn_, plan, &collations_, 16));
  EXPECT_EQ(r.differing, 1) << r.Summary();
  EXPECT_THAT(r.examples, ElementsAre("('7')"));
  EXPECT_EQ(r.row_by_row_chunks, 1);
}

// Chunks are ordered by the key itself, also where the key's name is that
// of a column the checksum's query names (ORDER BY takes a bare name for
// the select list's alias first): every row is compared, with one session
// or two.
TEST_F(CopyVerifyTest, AKeyNamedLikeTheChecksumsColumnsIsOrderedByItself) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE v23"));
  for (const char* t : {"src", "dst"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE v23.", t, " (c INT PRIMARY KEY, v INT NOT NULL)")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO v23.src SELECT seq, seq FROM v23.seq_1_to_30"));
  ASSERT_OK(conn_->Execute("INSERT INTO v23.dst SELECT * FROM v23.src"));
  ASSERT_OK(conn_->Execute("UPDATE v23.dst SET v = 0 WHERE c = 17"));
  for (mysql::Connection* other : OneAndTwoSessions()) {
    SCOPED_TRACE(other == nullptr ? "one session" : "two sessions");
    ASSERT_OK_AND_ASSIGN(TablePlan plan, Plan("v23", "select * from src"));
    ASSERT_OK_AND_ASSIGN(CopyVerifyResult r, Compare(plan, 10, other));
    EXPECT_EQ(r.source_rows, 30);
    EXPECT_EQ(r.target_rows, 30);
    EXPECT_EQ(r.differing, 1) << r.Summary();
    EXPECT_THAT(r.examples, ElementsAre("('17')"));
    EXPECT_EQ(r.row_by_row_chunks, 1);
    EXPECT_THAT(progress_, ElementsAre(10, 20, 30, 30));
  }
}

// A chunk's end is where its source checksum's rows end (a single-column
// key: their MAX); one short of a full chunk is the last, open-ended, so
// target rows past the source's last key count as extra, also when the
// rows fill whole chunks.
TEST_F(CopyVerifyTest, ChunksEndWhereTheirSourceRowsEnd) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE v21"));
  for (const char* t : {"src", "dst"}) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE v21.", t,
                     " (id BIGINT UNSIGNED PRIMARY KEY, v INT NOT NULL)")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE v21.s", t,
        " (k VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY, v INT)")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO v21.src SELECT seq * 3, seq FROM v21.seq_1_to_40"));
  ASSERT_OK(conn_->Execute("INSERT INTO v21.dst SELECT * FROM v21.src"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO v21.ssrc SELECT CONCAT('k', seq), seq FROM "
                     "v21.seq_1_to_40"));
  ASSERT_OK(conn_->Execute("INSERT INTO v21.sdst SELECT * FROM v21.ssrc"));
  // Extra past the end and between two chunks; missing at a chunk's end.
  ASSERT_OK(conn_->Execute(
      "INSERT INTO v21.dst VALUES (18446744073709551615, 1), (31, 1)"));
  ASSERT_OK(conn_->Execute("DELETE FROM v21.dst WHERE id = 60"));
  ASSERT_OK(conn_->Execute("INSERT INTO v21.sdst VALUES ('zz', 1)"));
  ASSERT_OK(conn_->Execute("DELETE FROM v21.sdst WHERE k = 'k26'"));
  // Alone, and with the target's checksums on a second session (each
  // side then finds its own chunk end).
  for (mysql::Connection* other : OneAndTwoSessions()) {
    SCOPED_TRACE(other == nullptr ? "one session" : "two sessions");
    ASSERT_OK_AND_ASSIGN(TablePlan plan, Plan("v21", "select * from src"));
    ASSERT_OK_AND_ASSIGN(CopyVerifyResult r, Compare(plan, 10, other));
    EXPECT_EQ(r.source_rows, 40);
    EXPECT_EQ(r.target_rows, 41);
    EXPECT_EQ(r.missing, 1);
    EXPECT_EQ(r.extra(), 2) << r.Summary();
    EXPECT_THAT(r.examples, ElementsAre("('60')"));
    binlogdata::Rule rule;
    rule.set_match("sdst");
    rule.set_filter("select * from ssrc");
    ASSERT_OK_AND_ASSIGN(plan, BuildTablePlan(*conn_, "v21", rule));
    ASSERT_OK_AND_ASSIGN(r, Compare(plan, 8, other));
    EXPECT_EQ(r.source_rows, 40);
    EXPECT_EQ(r.target_rows, 40);
    EXPECT_EQ(r.missing, 1);
    EXPECT_EQ(r.extra(), 1) << r.Summary();
    EXPECT_THAT(r.examples, ElementsAre("('k26')"));
    EXPECT_THAT(progress_, ElementsAre(8, 16, 24, 32, 40, 40));
  }
}

// A chunk's end in a character set utf8mb4 changes (cp932 0xED40 comes
// back as 0xFA5C) is kept as its bytes: read through utf8mb4, a chunk
// ending at n||0xED40 was followed by one after n||0xFA5C on both sides,
// and the row n||0xF040 between them was never compared.
TEST_F(CopyVerifyTest, ChunkEndsInACharsetUtf8mb4ChangesLeaveNoRowOut) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE v25"));
  for (const char* t : {"src", "dst"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE v25.", t,
        " (k VARCHAR(8) CHARACTER SET cp932 PRIMARY KEY, v INT)")));
  }
  // '0000'||0x8140, then n||0xED40, n||0xF040: chunks of 8 end on 0xED40.
  ASSERT_OK(conn_->Execute(
      absl::StrCat("INSERT INTO v25.src ", Cp932KeyRows("v25", 41))));
  ASSERT_OK(conn_->Execute("INSERT INTO v25.dst SELECT * FROM v25.src"));
  ASSERT_OK(conn_->Execute("UPDATE v25.dst SET v = -1 WHERE v IN (9, 17)"));
  for (mysql::Connection* other : OneAndTwoSessions()) {
    SCOPED_TRACE(other == nullptr ? "one session" : "two sessions");
    ASSERT_OK_AND_ASSIGN(TablePlan plan, Plan("v25", "select * from src"));
    ASSERT_OK_AND_ASSIGN(CopyVerifyResult r, Compare(plan, 8, other));
    EXPECT_EQ(r.source_rows, 41);
    EXPECT_EQ(r.target_rows, 41);
    EXPECT_EQ(r.differing, 2) << r.Summary();
    EXPECT_THAT(progress_, ElementsAre(8, 16, 24, 32, 40, 41));
  }
}

// Columns whose type the ALTER changed are compared where the copy
// converts every value exactly (the source converted alike: to another
// character set, zeros appended to a DECIMAL's scale or a time's
// fractional digits, a DATE's midnight), also zero dates under a sql_mode
// that turns them into NULL; text the target may cut trailing spaces
// from, without them; converted otherwise (rounded, padded, reordered, an
// ENUM or SET member renamed by case), not.
TEST_F(CopyVerifyTest, ColumnsConvertedExactlyAreCompared) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE v24"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE v24.src (id INT PRIMARY KEY, cs VARCHAR(10) CHARACTER "
      "SET latin1, ch CHAR(5), e ENUM('a','b'), st SET('a','b'), d "
      "DECIMAL(5,2), d0 DECIMAL(4,0), dt DATETIME, ts TIMESTAMP(2) NULL, tm "
      "TIME, dd DATE, f FLOAT, bn BINARY(3), tb VARCHAR(8), "
      // Not compared: rounded, padded, reordered, narrowed.
      "r DECIMAL(5,2), p VARCHAR(5), o SET('a','b'), n DATETIME(6), g "
      "DOUBLE, u ENUM('a','it''s'), so SET('a','b'), fd FLOAT, nv "
      "VARCHAR(20) CHARACTER SET latin1)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE v24.dst (id INT PRIMARY KEY, cs VARCHAR(20) CHARACTER "
      "SET utf8mb4, ch VARCHAR(5) COLLATE utf8mb4_bin, e ENUM('a','b','c'), "
      "st SET('a','b','c'), d DECIMAL(8,4) NOT NULL, d0 DECIMAL(6,2), dt "
      "DATETIME(6), ts TIMESTAMP(5) NULL, tm TIME(3), dd DATETIME(1), f "
      "DOUBLE, bn VARBINARY(8), tb VARBINARY(32), r DECIMAL(5,1), p CHAR(5), "
      "o SET('b','a'), n DATETIME, g FLOAT, u ENUM('A','it''s'), so "
      "SET('A','B','c'), fd DOUBLE(10,2), nv VARCHAR(10))"));
  ASSERT_OK(conn_->Execute("SET SESSION sql_mode = ''"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO v24.src SELECT seq, IF(seq % 5 = 0, NULL, CONCAT('caf', "
      "CHAR(233 USING latin1), seq)), CONCAT('c', seq, ' '), IF(seq % 2, 'a', "
      "'b'), IF(seq % 3, 'a,b', 'b'), seq / 7 - 3, seq * 11, IF(seq % 4 = 0, "
      "'0000-00-00 00:00:00', '2024-02-29 23:59:59' + INTERVAL seq DAY), "
      "'2024-01-01 10:00:00.25' + INTERVAL seq MINUTE, IF(seq = 1, "
      "'-838:59:59', SEC_TO_TIME(seq * 100)), IF(seq % 6 = 0, '2020-00-10', "
      "'2024-03-01' + INTERVAL seq DAY), seq / 3, CHAR(seq), CONCAT('t', "
      "seq), seq / 7, CONCAT('p', seq, ' '), 'a,b', '2024-01-01 "
      "00:00:00.123456', seq / 3, IF(seq % 2, 'a', 'it''s'), 'a,b', seq / "
      "7, CONCAT('n', seq, REPEAT(' ', 15)) FROM v24.seq_1_to_60"));
  ASSERT_OK(conn_->Execute("INSERT INTO v24.dst SELECT * FROM v24.src"));
  ASSERT_OK_AND_ASSIGN(TablePlan plan, Plan("v24", "select * from src"));
  // The zero dates NULL wherever a CAST would meet them.
  ASSERT_OK(
      conn_->Execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
                     "NO_ZERO_IN_DATE,ONLY_FULL_GROUP_BY'"));
  for (mysql::Connection* other : OneAndTwoSessions()) {
    SCOPED_TRACE(other == nullptr ? "one session" : "two sessions");
    ASSERT_OK_AND_ASSIGN(CopyVerifyResult r, Compare(plan, 16, other));
    EXPECT_TRUE(r.ok()) << r.Summary();
    EXPECT_EQ(r.source_rows, 60);
    EXPECT_THAT(r.compared,
                ElementsAre("id", "cs", "ch", "e", "st", "d", "d0", "dt", "ts",
                            "tm", "dd", "f", "bn", "tb", "nv"));
    EXPECT_THAT(r.skipped,
                ElementsAre("r", "p", "o", "n", "g", "u", "so", "fd"));
    EXPECT_EQ(r.row_by_row_chunks, 0);  // the checksums agree
  }
  // Text of one character set, one column converted to another: each
  // hashed as its bytes (joined as they are, the other would be converted
  // too, or refused as an illegal mix).
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE v24.src2 (id INT PRIMARY KEY, a VARCHAR(10), b "
      "VARCHAR(10)) CHARACTER SET latin1"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE v24.dst2 (id INT PRIMARY KEY, a VARCHAR(10) CHARACTER SET "
      "utf8mb4, b VARCHAR(10)) CHARACTER SET latin1"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO v24.src2 SELECT seq, CONCAT(CHAR(233 USING latin1), seq), "
      "CONCAT(CHAR(232 USING latin1), seq) FROM v24.seq_1_to_30"));
  ASSERT_OK(conn_->Execute("INSERT INTO v24.dst2 SELECT * FROM v24.src2"));
  ASSERT_OK_AND_ASSIGN(TablePlan plan2,
                       Plan("v24", "select * from src2", "dst2"));
  ExpectVerifiedByChecksums(plan2, {"id", "a", "b"});
  // Text of a character set of two bytes and more per character (ASCII
  // too) into bytes: both sides hashed as bytes.
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE v24.src3 (id INT PRIMARY KEY, w VARCHAR(10) CHARACTER "
      "SET ucs2)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE v24.dst3 (id INT PRIMARY KEY, w VARBINARY(40))"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO v24.src3 SELECT seq, CONCAT('w', seq) FROM "
                     "v24.seq_1_to_30"));
  ASSERT_OK(conn_->Execute("INSERT INTO v24.dst3 SELECT * FROM v24.src3"));
  ASSERT_OK_AND_ASSIGN(TablePlan plan3,
                       Plan("v24", "select * from src3", "dst3"));
  ExpectVerifiedByChecksums(plan3, {"id", "w"});
  // A change to any compared column is found.
  ASSERT_OK(conn_->Execute("SET SESSION sql_mode = ''"));
  for (const char* change :
       {"cs = 'cafe3' WHERE id = 3", "ch = 'C4' WHERE id = 4",
        "e = 'c' WHERE id = 5", "st = 'a,b,c' WHERE id = 6",
        "d = d + 0.0001 WHERE id = 7", "d0 = d0 + 0.01 WHERE id = 8",
        "dt = dt + INTERVAL 1 MICROSECOND WHERE id = 9",
        "ts = ts + INTERVAL 10 MICROSECOND WHERE id = 10",
        "tm = tm + INTERVAL 1000 MICROSECOND WHERE id = 11",
        "dd = dd + INTERVAL 1 HOUR WHERE id = 13", "f = f + 1e-9 WHERE id = 14",
        "bn = CONCAT(bn, 'x') WHERE id = 15", "tb = 'T16' WHERE id = 16",
        "dt = '2024-01-01' WHERE id = 20", "d = 0 WHERE id = 22",
        "nv = 'N23' WHERE id = 23"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat("UPDATE v24.dst SET ", change)));
  }
  ASSERT_OK(
      conn_->Execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
                     "NO_ZERO_IN_DATE,ONLY_FULL_GROUP_BY'"));
  for (mysql::Connection* other : OneAndTwoSessions()) {
    SCOPED_TRACE(other == nullptr ? "one session" : "two sessions");
    ASSERT_OK_AND_ASSIGN(CopyVerifyResult r, Compare(plan, 16, other));
    EXPECT_EQ(r.differing, 16) << r.Summary();
    EXPECT_EQ(r.missing, 0);
    EXPECT_EQ(r.extra(), 0);
  }
}

// With a second session the target's side is read through it, in its own
// snapshot (the caller's to take at the source's moment): here one taken
// before a row of the target changed, which the first session sees.
TEST_F(CopyVerifyTest, TheTargetIsReadOnTheSecondSession) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE v22"));
  for (const char* t : {"src", "dst"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE v22.", t, " (a INT, b INT, v INT, PRIMARY KEY (a, b))")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE v22.i", t, " (id INT PRIMARY KEY, v INT NOT NULL)")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO v22.src SELECT seq % 3, seq, seq FROM v22.seq_1_to_30"));
  ASSERT_OK(conn_->Execute("INSERT INTO v22.dst SELECT * FROM v22.src"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO v22.isrc SELECT seq, seq FROM "
                     "v22.seq_1_to_30"));
  ASSERT_OK(conn_->Execute("INSERT INTO v22.idst SELECT * FROM v22.isrc"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::MysqlConnection> second,
                       harness::ConnectTo(*instance_));
  ASSERT_OK(
      second->Execute("SET SESSION TRANSACTION ISOLATION LEVEL "
                      "REPEATABLE READ"));
  ASSERT_OK(second->Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT"));
  ASSERT_OK(conn_->Execute("UPDATE v22.dst SET v = 0 WHERE a = 1 AND b = 4"));
  ASSERT_OK(conn_->Execute("UPDATE v22.idst SET v = 0 WHERE id = 4"));
  binlogdata::Rule rule;
  ASSERT_OK_AND_ASSIGN(collations_, LoadCollations(*conn_));
  // A composite key (its chunks' ends by a query of their own) and a
  // single-column one (each side finds its own).
  for (const auto& [target, source] :
       {std::pair<const char*, const char*>{"dst", "src"},
        std::pair<const char*, const char*>{"idst", "isrc"}}) {
    SCOPED_TRACE(target);
    rule.set_match(target);
    rule.set_filter(absl::StrCat("select * from ", source));
    ASSERT_OK_AND_ASSIGN(TablePlan plan, BuildTablePlan(*conn_, "v22", rule));
    ASSERT_TRUE(KeyRangesMatch(plan));
    // The first session sees the change; the checksums of the second do
    // not.
    ASSERT_OK_AND_ASSIGN(CopyVerifyResult alone,
                         VerifyCopy(*conn_, plan, &collations_, 7));
    EXPECT_EQ(alone.differing, 1);
    ASSERT_OK_AND_ASSIGN(CopyVerifyResult both,
                         VerifyCopy(*conn_, plan, &collations_, 7, nullptr,
                                    nullptr, second.get()));
    EXPECT_TRUE(both.ok()) << both.Summary();
    EXPECT_EQ(both.source_rows, 30);
    EXPECT_EQ(both.target_rows, 30);
  }
  // A second session lost ends the verification with its error.
  ASSERT_OK_AND_ASSIGN(std::string id,
                       mysql::QueryValue(*second, "SELECT CONNECTION_ID()"));
  ASSERT_OK(conn_->Execute(absl::StrCat("KILL CONNECTION ", id)));
  rule.set_match("idst");
  rule.set_filter("select * from isrc");
  ASSERT_OK_AND_ASSIGN(TablePlan plan, BuildTablePlan(*conn_, "v22", rule));
  EXPECT_FALSE(
      VerifyCopy(*conn_, plan, &collations_, 7, nullptr, nullptr, second.get())
          .ok());
}

// An attempt that ends early (its snapshot could not be renewed, its
// session was lost) leaves a cursor; another goes on from its last chunk
// with its counts, not from the first row.
TEST_F(CopyVerifyTest, AnotherAttemptGoesOnFromTheCursor) {
  MakeCopy("v10");
  ASSERT_OK(conn_->Execute("UPDATE v10.dst SET n = -5 WHERE id = 5"));
  ASSERT_OK_AND_ASSIGN(TablePlan plan,
                       Plan("v10", "select id, name, n, f, x from src"));
  CopyVerifyCursor cursor;
  std::vector<int64_t> seen;
  auto stop_at_30 = [&](int64_t rows, bool) {
    seen.push_back(rows);
    return rows == 30 ? absl::UnavailableError("lost") : absl::OkStatus();
  };
  EXPECT_THAT(VerifyCopy(*conn_, plan, &collations_, 10, stop_at_30, &cursor),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(seen, ElementsAre(10, 20, 30));
  EXPECT_EQ(cursor.result.source_rows, 30);
  EXPECT_EQ(cursor.result.differing, 1);
  EXPECT_FALSE(cursor.complete);
  // Mended meanwhile, row 5 is not compared again; 95 breaks later on.
  ASSERT_OK(conn_->Execute("UPDATE v10.dst SET n = 5 WHERE id = 5"));
  ASSERT_OK(conn_->Execute("UPDATE v10.dst SET n = -95 WHERE id = 95"));
  seen.clear();
  ASSERT_OK_AND_ASSIGN(
      CopyVerifyResult r,
      VerifyCopy(*conn_, plan, &collations_, 10, stop_at_30, &cursor));
  EXPECT_THAT(seen, ElementsAre(40, 50, 60, 70, 80, 90, 100, 100));
  EXPECT_EQ(r.source_rows, 100);
  EXPECT_EQ(r.target_rows, 100);
  EXPECT_EQ(r.differing, 2);
  EXPECT_THAT(r.examples, ElementsAre("('5')", "('95')"));
  EXPECT_THAT(r.compared, ElementsAre("id", "name", "n", "f"));
  EXPECT_TRUE(cursor.complete);
  // A complete cursor compares nothing more.
  seen.clear();
  ASSERT_OK_AND_ASSIGN(
      r, VerifyCopy(*conn_, plan, &collations_, 10, stop_at_30, &cursor));
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(r.source_rows, 100);
  EXPECT_EQ(r.differing, 2);
  // One of another key (the table changed since) starts over.
  cursor.complete = false;
  cursor.key = {"name"};
  seen.clear();
  EXPECT_THAT(VerifyCopy(*conn_, plan, &collations_, 10, stop_at_30, &cursor),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(seen, ElementsAre(10, 20, 30));
  EXPECT_EQ(cursor.result.differing, 0);
  EXPECT_THAT(cursor.key, ElementsAre("id"));
}

TEST_F(CopyVerifyTest, AnErrorFromTheProgressCallbackEndsIt) {
  MakeCopy("v4");
  ASSERT_OK_AND_ASSIGN(TablePlan plan,
                       Plan("v4", "select id, name, n, f, x from src"));
  int chunks = 0;
  EXPECT_THAT(VerifyCopy(*conn_, plan, &collations_, 10,
                         [&](int64_t, bool) {
                           return ++chunks == 2
                                      ? absl::CancelledError("stopped")
                                      : absl::OkStatus();
                         }),
              StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(chunks, 2);
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
