// Decoding MySQL 8.0-flavor events built from their documented byte layouts
// (the harness runs MariaDB, so these cannot come from a live server), and
// decoder behaviour on malformed input.
#include "mysql/binlog_decoder.h"

#include <cfloat>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/binlog_streamer.h"
#include "mysql/column_types.h"
#include "mysql/testing/event_builder.h"
#include "mysql/value_codec.h"
#include "util/simulated_clock.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace mysql {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace ::sidecut::mysql::testing;  // NOLINT: builder helpers

const std::string kSid =
    "\x3e\x11\xfa\x47\x71\xca\x11\xe1\x9e\x33\xc8\x0a\xa9\x42\x95\x62";
constexpr char kUuid[] = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

std::string MysqlGtid(uint64_t gno) {
  return Event(
      kGtidLogEvent,
      absl::StrCat(LE(1, 1), kSid, LE(gno, 8), LE(2, 1), LE(0, 8), LE(1, 8)),
      true);
}

std::string Query(absl::string_view db, absl::string_view q) {
  return Event(kQueryEvent,
               absl::StrCat(LE(7, 4), LE(0, 4), LE(db.size(), 1), LE(0, 2),
                            LE(0, 2), db, std::string(1, '\0'), q),
               true);
}

// d.t (id INT UNSIGNED PK, vc VARCHAR(20) utf8mb4, j JSON,
//      dt DATETIME(3), de DECIMAL(10,2))
std::string TableMapEvent() {
  std::string types =
      absl::StrCat(LE(kTypeLong, 1), LE(kTypeVarchar, 1), LE(kTypeJson, 1),
                   LE(kTypeDatetime2, 1), LE(kTypeNewdecimal, 1));
  std::string meta =
      absl::StrCat(LE(80, 2), LE(4, 1), LE(3, 1), LE(10, 1), LE(2, 1));
  std::string names =
      absl::StrCat(PackedStr("id"), PackedStr("vc"), PackedStr("j"),
                   PackedStr("dt"), PackedStr("de"));
  std::string optional = absl::StrCat(
      LE(1, 1), PackedStr(std::string(1, '\x80')),  // SIGNEDNESS: id unsigned
      LE(2, 1), PackedStr(Packed(255)),             // DEFAULT_CHARSET
      LE(4, 1), PackedStr(names),                   // COLUMN_NAME
      LE(8, 1), PackedStr(Packed(0)));              // SIMPLE_PRIMARY_KEY
  std::string body =
      absl::StrCat(LE(42, 6), LE(1, 2), LE(1, 1), "d", std::string(1, '\0'),
                   LE(1, 1), "t", std::string(1, '\0'), Packed(5), types,
                   PackedStr(meta), LE(0x1e, 1), optional);
  return Event(kTableMapEvent, body, true);
}

// {"a": 1, "b": [true, "x"]} in MySQL's binary JSON.
std::string JsonDoc() {
  std::string array = absl::StrCat(LE(2, 2), LE(12, 2), "\x04", LE(1, 2),
                                   "\x0c", LE(10, 2), "\x01x");
  std::string object =
      absl::StrCat(LE(2, 2), LE(32, 2), LE(18, 2), LE(1, 2), LE(19, 2),
                   LE(1, 2), "\x05", LE(1, 2), "\x02", LE(20, 2), "ab", array);
  return absl::StrCat(std::string(1, '\0'), object);
}

std::string Datetime2(int y, int mo, int d, int h, int mi, int s, int ms) {
  uint64_t ymd = ((uint64_t(y) * 13 + mo) << 5) | d;
  uint64_t hms = (uint64_t(h) << 12) | (mi << 6) | s;
  return absl::StrCat(BE(((ymd << 17) | hms) + 0x8000000000ULL, 5),
                      BE(ms * 10, 2));
}

std::string WriteRowsV2() {
  std::string json = JsonDoc();
  std::string row =
      absl::StrCat(LE(0, 1),                                 // no NULLs
                   LE(4294967295u, 4),                       // id
                   LE(6, 1), "h\xc3\xa9llo",                 // vc
                   LE(json.size(), 4), json,                 // j
                   Datetime2(2024, 2, 29, 13, 14, 15, 160),  // dt
                   std::string("\x7f\xff\xff\xf3\xdd", 5));  // de = -12.34
  return Event(
      kWriteRowsEventV2,
      absl::StrCat(LE(42, 6), LE(1, 2), LE(2, 2), Packed(5), LE(0x1f, 1), row),
      true);
}

// MINIMAL before image (id only), full after image with vc NULL.
std::string UpdateRowsV2() {
  std::string json = JsonDoc();
  std::string before = absl::StrCat(LE(0, 1), LE(7, 4));
  std::string after = absl::StrCat(LE(0x02, 1), LE(8, 4), LE(json.size(), 4),
                                   json, Datetime2(1999, 1, 2, 3, 4, 5, 0),
                                   std::string("\x80\x00\x00\x00\x00", 5));
  return Event(kUpdateRowsEventV2,
               absl::StrCat(LE(42, 6), LE(1, 2), LE(2, 2), Packed(5),
                            LE(0x01, 1), LE(0x1f, 1), before, after),
               true);
}

TEST(MysqlFlavorTest, FormatDescriptionAndGtids) {
  BinlogDecoder d;
  ASSERT_OK_AND_ASSIGN(DecodedEvent fde,
                       d.Decode(MysqlFormatDescription(true)));
  EXPECT_EQ(fde.kind, DecodedEvent::Kind::kFormatDescription);
  EXPECT_EQ(d.format().checksum, ChecksumAlg::kCrc32);
  EXPECT_FALSE(d.format().IsMariadb());
  ASSERT_OK_AND_ASSIGN(DecodedEvent g, d.Decode(MysqlGtid(6)));
  EXPECT_EQ(g.kind, DecodedEvent::Kind::kGtid);
  EXPECT_EQ(g.gtid.flavor, Flavor::kMysql56);
  EXPECT_EQ(g.gtid.mysql_uuid, kUuid);
  EXPECT_EQ(g.gtid.mysql_gno, 6);
  std::string prev = Event(kPreviousGtidsLogEvent,
                           absl::StrCat(LE(1, 8), kSid, LE(2, 8), LE(1, 8),
                                        LE(6, 8), LE(10, 8), LE(11, 8)),
                           true);
  ASSERT_OK_AND_ASSIGN(DecodedEvent p, d.Decode(prev));
  EXPECT_EQ(p.previous_gtids.ToString(), absl::StrCat(kUuid, ":1-5:10"));
}

TEST(MysqlFlavorTest, TableMapAndRowsV2) {
  BinlogDecoder d;
  ASSERT_OK(d.Decode(MysqlFormatDescription(true)).status());
  ASSERT_OK_AND_ASSIGN(DecodedEvent tm, d.Decode(TableMapEvent()));
  ASSERT_EQ(tm.table->columns.size(), 5u);
  EXPECT_EQ(tm.table->database, "d");
  EXPECT_EQ(tm.table->columns[0].name, "id");
  EXPECT_TRUE(tm.table->columns[0].is_unsigned);
  EXPECT_FALSE(tm.table->columns[0].nullable);
  EXPECT_FALSE(tm.table->columns[4].is_unsigned);
  EXPECT_EQ(tm.table->columns[1].collation, 255u);
  EXPECT_THAT(tm.table->primary_key, ElementsAre(0));

  ASSERT_OK_AND_ASSIGN(DecodedEvent w, d.Decode(WriteRowsV2()));
  ASSERT_EQ(w.rows.rows.size(), 1u);
  const Row& r = *w.rows.rows[0].after;
  EXPECT_EQ(r.Get(0), "4294967295");
  EXPECT_EQ(r.Get(1), "h\xc3\xa9llo");
  EXPECT_EQ(r.Get(2), R"({"a": 1, "b": [true, "x"]})");
  EXPECT_EQ(r.Get(3), "2024-02-29 13:14:15.160");
  EXPECT_EQ(r.Get(4), "-12.34");

  ASSERT_OK_AND_ASSIGN(DecodedEvent u, d.Decode(UpdateRowsV2()));
  ASSERT_EQ(u.rows.rows.size(), 1u);
  EXPECT_THAT(u.rows.columns_before,
              ElementsAre(true, false, false, false, false));
  const Row& before = *u.rows.rows[0].before;
  const Row& after = *u.rows.rows[0].after;
  EXPECT_EQ(before.Get(0), "7");
  EXPECT_TRUE(before.IsNull(1));  // not in the image
  EXPECT_EQ(after.Get(0), "8");
  EXPECT_TRUE(after.IsNull(1));  // NULL in the image
  EXPECT_EQ(after.Get(3), "1999-01-02 03:04:05.000");
  EXPECT_EQ(after.Get(4), "0.00");
}

// Rows of a table the filter rejects come back without being decoded;
// the filter is asked again at the table's next TABLE_MAP.
TEST(MysqlFlavorTest, TableFilterSkipsUnwantedRows) {
  BinlogDecoder d;
  bool want = false;
  std::vector<std::string> asked;
  d.SetTableFilter([&](const std::string& db, const std::string& table) {
    asked.push_back(absl::StrCat(db, ".", table));
    return want;
  });
  ASSERT_OK(d.Decode(MysqlFormatDescription(true)).status());
  ASSERT_OK(d.Decode(TableMapEvent()).status());
  ASSERT_OK_AND_ASSIGN(DecodedEvent skipped, d.Decode(WriteRowsV2()));
  EXPECT_EQ(skipped.kind, DecodedEvent::Kind::kRows);
  ASSERT_NE(skipped.table, nullptr);
  EXPECT_EQ(skipped.table->database, "d");
  EXPECT_TRUE(skipped.rows.rows.empty());
  want = true;
  ASSERT_OK(d.Decode(TableMapEvent()).status());
  ASSERT_OK_AND_ASSIGN(DecodedEvent decoded, d.Decode(WriteRowsV2()));
  EXPECT_EQ(decoded.rows.rows.size(), 1u);
  EXPECT_EQ(asked.size(), 2u);
}

// Events whose rows cannot be replayed exactly stop the stream, naming
// the setting (skipped as unknown events, their changes were lost).
TEST(MysqlFlavorTest, PartialJsonUpdatesAndCompressedTransactionsAreRefused) {
  BinlogDecoder d;
  ASSERT_OK(d.Decode(MysqlFormatDescription(true)).status());
  ASSERT_OK(d.Decode(TableMapEvent()).status());
  const std::string body = absl::StrCat(LE(42, 6), LE(1, 2), LE(2, 2),
                                        Packed(5), LE(0x1f, 1), LE(0x1f, 1));
  EXPECT_THAT(d.Decode(Event(kPartialUpdateRowsEvent, body, true)),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("binlog_row_value_options")));
  EXPECT_THAT(d.Decode(Event(kTransactionPayloadEvent, "payload", true)),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("binlog_transaction_compression")));
}

// A LOAD DATA logged as a statement: its file's data (skipped), then the
// statement, a query event with 13 more bytes of post-header. An incident
// (events the server lost) stops decoding.
TEST(MysqlFlavorTest, LoadDataStatementsAreQueriesAndIncidentsDataLoss) {
  BinlogDecoder d;
  ASSERT_OK(d.Decode(MysqlFormatDescription(true)).status());
  ASSERT_OK_AND_ASSIGN(DecodedEvent data,
                       d.Decode(Event(kBeginLoadQueryEvent,
                                      absl::StrCat(LE(1, 4), "1\t2\n"), true)));
  EXPECT_EQ(data.kind, DecodedEvent::Kind::kOther);
  const std::string q = "LOAD DATA INFILE '/tmp/rows' INTO TABLE t";
  ASSERT_OK_AND_ASSIGN(
      DecodedEvent load,
      d.Decode(Event(kExecuteLoadQueryEvent,
                     absl::StrCat(LE(7, 4), LE(0, 4), LE(1, 1), LE(0, 2),
                                  LE(0, 2), LE(1, 4), LE(17, 4), LE(28, 4),
                                  LE(0, 1), "d", std::string(1, '\0'), q),
                     true)));
  EXPECT_EQ(load.kind, DecodedEvent::Kind::kQuery);
  EXPECT_EQ(load.query.database, "d");
  EXPECT_EQ(load.query.query, q);
  EXPECT_THAT(
      d.Decode(Event(kIncidentEvent, absl::StrCat(LE(1, 2), LE(0, 1)), true)),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("INCIDENT_EVENT")));
}

TEST(MysqlFlavorTest, ChecksumMismatchIsDataLoss) {
  BinlogDecoder d;
  ASSERT_OK(d.Decode(MysqlFormatDescription(true)).status());
  std::string e = TableMapEvent();
  e[25] ^= 1;
  EXPECT_THAT(d.Decode(e), StatusIs(absl::StatusCode::kDataLoss,
                                    HasSubstr("CRC32 mismatch")));
}

TEST(MysqlFlavorTest, RowsWithoutTableMapIsDataLoss) {
  BinlogDecoder d;
  ASSERT_OK(d.Decode(MysqlFormatDescription(true)).status());
  EXPECT_THAT(d.Decode(WriteRowsV2()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("TABLE_MAP")));
}

// Serves canned events once, then reports the connection closed.
class CannedSource final : public BinlogSource {
 public:
  explicit CannedSource(std::vector<std::string> events)
      : events_(std::move(events)) {}
  absl::Status Open(const Position& start) override {
    opened_at_ = start.ToString();
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> Next() override {
    if (i_ >= events_.size())
      return absl::FailedPreconditionError("end of canned events");
    return events_[i_++];
  }
  void Close() override {}
  std::string opened_at_;

 private:
  std::vector<std::string> events_;
  size_t i_ = 0;
};

class CannedFactory final : public BinlogSourceFactory {
 public:
  explicit CannedFactory(std::vector<std::string> e) : events_(std::move(e)) {}
  std::unique_ptr<BinlogSource> Create() override {
    return std::make_unique<CannedSource>(events_);
  }

 private:
  std::vector<std::string> events_;
};

// MySQL's XA from its documented layout: XA START .. XA END then an
// XA_PREPARE_LOG_EVENT (one_phase byte, format id, gtrid and bqual lengths,
// the xid): a prepared half when one_phase is 0, whose XA COMMIT comes in a
// group of its own; a committed transaction when it is 1 (XA COMMIT .. ONE
// PHASE).
TEST(MysqlFlavorTest, XaPreparedHalvesAndOnePhaseCommits) {
  auto xa_prepare = [](bool one_phase) {
    return Event(kXaPrepareLogEvent,
                 absl::StrCat(std::string(1, one_phase ? '\1' : '\0'), LE(1, 4),
                              LE(1, 4), LE(0, 4), "x"),
                 true);
  };
  CannedFactory factory({
      Event(kRotateEvent, absl::StrCat(LE(4, 8), "binlog.000001"), false),
      MysqlFormatDescription(true),
      MysqlGtid(6),
      Query("d", "XA START X'78',X'',1"),
      TableMapEvent(),
      WriteRowsV2(),
      Query("d", "XA END X'78',X'',1"),
      xa_prepare(false),
      MysqlGtid(7),
      Query("d", "XA COMMIT X'78',X'',1"),
      MysqlGtid(8),
      Query("d", "XA START X'79',X'',1"),
      TableMapEvent(),
      WriteRowsV2(),
      Query("d", "XA END X'79',X'',1"),
      xa_prepare(true),
  });
  SimulatedClock clock;
  ASSERT_OK_AND_ASSIGN(
      Position start, Position::Parse(absl::StrCat("MySQL56/", kUuid, ":1-5")));
  BinlogStreamer s(&factory, start, &clock);
  ASSERT_OK_AND_ASSIGN(StreamItem prepared, s.Next());
  EXPECT_TRUE(prepared.transaction.xa_prepared);
  EXPECT_EQ(prepared.transaction.xa_id, "X'78',X'',1");
  EXPECT_EQ(prepared.transaction.events.size(), 2u);  // table map + rows
  ASSERT_OK_AND_ASSIGN(StreamItem commit, s.Next());
  EXPECT_FALSE(commit.transaction.xa_prepared);
  EXPECT_TRUE(commit.transaction.xa_commit);
  EXPECT_EQ(commit.transaction.xa_id, "X'78',X'',1");
  EXPECT_TRUE(commit.transaction.events.empty());
  EXPECT_EQ(commit.transaction.position.ToString(),
            absl::StrCat("MySQL56/", kUuid, ":1-7"));
  ASSERT_OK_AND_ASSIGN(StreamItem one_phase, s.Next());
  EXPECT_FALSE(one_phase.transaction.xa_prepared);
  ASSERT_EQ(one_phase.transaction.events.size(), 2u);
  EXPECT_EQ(one_phase.transaction.events[1].kind, DecodedEvent::Kind::kRows);
  EXPECT_EQ(s.position().ToString(), absl::StrCat("MySQL56/", kUuid, ":1-8"));
}

// An XA_PREPARE_LOG_EVENT's id and an XA COMMIT statement's come out
// alike: hex in lower case, the format id cut to the event's 4 bytes.
TEST(XaIdTest, EventAndStatementFormsAgree) {
  EXPECT_EQ(XaIdText(1, "x1", ""), "X'7831',X'',1");
  EXPECT_EQ(NormalizeXaIdText(" X'7831',X'',1 "), "X'7831',X'',1");
  EXPECT_EQ(NormalizeXaIdText("X'AB',X'CD',7"), XaIdText(7, "\xab", "\xcd"));
  EXPECT_EQ(NormalizeXaIdText("X'61',X'',2147483648"),
            XaIdText(2147483648u, "a", ""));
  EXPECT_EQ(NormalizeXaIdText("X'61',X'',4294967297"), XaIdText(1, "a", ""));
}

TEST(MysqlFlavorTest, StreamerGroupsTransactionsAndAdvancesGtidSet) {
  CannedFactory factory({
      Event(kRotateEvent, absl::StrCat(LE(4, 8), "binlog.000001"), false),
      MysqlFormatDescription(true),
      MysqlGtid(6),
      Query("d", "BEGIN"),
      TableMapEvent(),
      WriteRowsV2(),
      Event(kXidEvent, LE(99, 8), true, 1, 1700000000, 777),
      MysqlGtid(7),
      Query("d", "ALTER TABLE t ADD COLUMN x INT"),
  });
  SimulatedClock clock;
  ASSERT_OK_AND_ASSIGN(
      Position start, Position::Parse(absl::StrCat("MySQL56/", kUuid, ":1-5")));
  BinlogStreamer s(&factory, start, &clock);
  ASSERT_OK_AND_ASSIGN(StreamItem t1, s.Next());
  ASSERT_EQ(t1.kind, StreamItem::Kind::kTransaction);
  EXPECT_EQ(t1.transaction.position.ToString(),
            absl::StrCat("MySQL56/", kUuid, ":1-6"));
  ASSERT_EQ(t1.transaction.events.size(), 2u);  // table map + rows
  EXPECT_EQ(t1.transaction.events[1].kind, DecodedEvent::Kind::kRows);
  // Where it ends: the file of the ROTATE, the XID's end position.
  EXPECT_EQ(t1.transaction.end.file, "binlog.000001");
  EXPECT_EQ(t1.transaction.end.offset, 777u);
  EXPECT_EQ(s.last_end().offset, 777u);
  ASSERT_OK_AND_ASSIGN(StreamItem t2, s.Next());
  EXPECT_TRUE(t2.transaction.standalone);
  ASSERT_EQ(t2.transaction.events.size(), 1u);
  EXPECT_EQ(t2.transaction.events[0].query.query,
            "ALTER TABLE t ADD COLUMN x INT");
  EXPECT_EQ(s.position().ToString(), absl::StrCat("MySQL56/", kUuid, ":1-7"));
}

// The ROTATE opening a dump comes before the format description; with or
// without a checksum its file name is exact.
TEST(MysqlFlavorTest, ArtificialRotateBeforeFormatDescription) {
  for (bool crc : {false, true}) {
    BinlogDecoder d;
    ASSERT_OK_AND_ASSIGN(
        DecodedEvent ev,
        d.Decode(Event(kRotateEvent,
                       absl::StrCat(LE(4, 8), "mariadb-bin.000007"), crc)));
    EXPECT_EQ(ev.kind, DecodedEvent::Kind::kRotate);
    EXPECT_EQ(ev.rotate.next_file, "mariadb-bin.000007") << crc;
    EXPECT_EQ(ev.rotate.position, 4u);
  }
}

// A file past 4 GiB wraps the 32-bit end positions: from there on where a
// transaction ends is unknown (until the next file).
TEST(MysqlFlavorTest, WrappedEndPositionsAreUnknown) {
  CannedFactory factory({
      Event(kRotateEvent, absl::StrCat(LE(4, 8), "binlog.000001"), false),
      MysqlFormatDescription(true),
      MysqlGtid(6),
      Query("d", "BEGIN"),
      Event(kXidEvent, LE(1, 8), true, 1, 1700000000, 4294967000u),
      MysqlGtid(7),
      Query("d", "BEGIN"),
      Event(kXidEvent, LE(2, 8), true, 1, 1700000000, 500),
  });
  SimulatedClock clock;
  ASSERT_OK_AND_ASSIGN(
      Position start, Position::Parse(absl::StrCat("MySQL56/", kUuid, ":1-5")));
  BinlogStreamer s(&factory, start, &clock);
  ASSERT_OK_AND_ASSIGN(StreamItem t1, s.Next());
  EXPECT_EQ(t1.transaction.end.file, "binlog.000001");
  EXPECT_EQ(t1.transaction.end.offset, 4294967000u);
  ASSERT_OK_AND_ASSIGN(StreamItem t2, s.Next());
  EXPECT_EQ(t2.transaction.end.file, "");
  EXPECT_EQ(s.last_end().file, "");
}

// A real ROTATE ends a file: its own end position is in the old file, so
// the new file's small positions are not a wrap (where transactions end
// stays known, which the unlocked copy needs).
// MariaDB's GTID_EVENT: sequence (8), domain (4), flags (1: not standalone,
// no commit id); the server id is the header's.
std::string MariadbGtidEvent(uint32_t server, uint32_t domain, uint64_t seq) {
  return Event(kMariadbGtidEvent,
               absl::StrCat(LE(seq, 8), LE(domain, 4), LE(0, 1), LE(0, 6)),
               true, server);
}

// With gtid_strict_mode OFF a server logs a transaction with a sequence
// number below its domain's latest (another server's, or a session's
// gtid_seq_no). It is new, but a position would say it was applied, and the
// streamer used to skip it as a resend, losing its rows. It comes flagged
// now (its consumer stops if it changes what it follows); the position's
// own GTID sent again is still skipped.
TEST(MariadbFlavorTest, AnOutOfOrderGtidIsFlagged) {
  std::vector<std::string> events = {
      Event(kRotateEvent, absl::StrCat(LE(4, 8), "binlog.000001"), false),
      MariadbFormatDescription(true)};
  // One row inserted by server `server` as GTID 0-server-seq.
  auto txn = [&](uint32_t server, uint64_t seq, uint32_t end) {
    events.insert(
        events.end(),
        {MariadbGtidEvent(server, 0, seq), TableMapEvent(), WriteRowsV2(),
         Event(kXidEvent, LE(seq, 8), true, server, 1700000000, end)});
  };
  txn(1, 7, 300);  // the position's own: skipped
  txn(1, 8, 600);
  txn(2, 5, 900);  // out of order: another server's
  txn(1, 9, 1200);
  CannedFactory factory(events);
  SimulatedClock clock;
  ASSERT_OK_AND_ASSIGN(Position start, Position::Parse("MariaDB/0-1-7"));
  BinlogStreamer s(&factory, start, &clock);
  ASSERT_OK_AND_ASSIGN(StreamItem t1, s.Next());
  ASSERT_EQ(t1.kind, StreamItem::Kind::kTransaction);
  EXPECT_EQ(t1.transaction.position.ToString(), "MariaDB/0-1-8");
  EXPECT_EQ(t1.transaction.out_of_order, "");
  ASSERT_OK_AND_ASSIGN(StreamItem t2, s.Next());
  ASSERT_EQ(t2.transaction.events.size(), 2u);
  // No position records it: the transaction carries the one before it.
  EXPECT_EQ(t2.transaction.position.ToString(), "MariaDB/0-1-8");
  EXPECT_THAT(t2.transaction.out_of_order,
              HasSubstr("transaction 0-2-5 is logged out of order, after "
                        "0-1-8 (gtid_strict_mode is OFF"));
  EXPECT_EQ(s.position().ToString(), "MariaDB/0-1-8");
  ASSERT_OK_AND_ASSIGN(StreamItem t3, s.Next());
  EXPECT_EQ(t3.transaction.out_of_order, "");
  EXPECT_EQ(s.position().ToString(), "MariaDB/0-1-9");
}

TEST(MysqlFlavorTest, EndPositionsAfterARealRotate) {
  CannedFactory factory({
      Event(kRotateEvent, absl::StrCat(LE(4, 8), "binlog.000001"), false),
      MysqlFormatDescription(true),
      MysqlGtid(6),
      Query("d", "BEGIN"),
      Event(kXidEvent, LE(1, 8), true, 1, 1700000000, 67108000),
      Event(kRotateEvent, absl::StrCat(LE(4, 8), "binlog.000002"), true, 1,
            1700000000, 67108100),
      MysqlFormatDescription(true),
      MysqlGtid(7),
      Query("d", "BEGIN"),
      Event(kXidEvent, LE(2, 8), true, 1, 1700000000, 500),
  });
  SimulatedClock clock;
  ASSERT_OK_AND_ASSIGN(
      Position start, Position::Parse(absl::StrCat("MySQL56/", kUuid, ":1-5")));
  BinlogStreamer s(&factory, start, &clock);
  ASSERT_OK_AND_ASSIGN(StreamItem t1, s.Next());
  EXPECT_EQ(t1.transaction.end.file, "binlog.000001");
  ASSERT_OK_AND_ASSIGN(StreamItem t2, s.Next());
  EXPECT_EQ(t2.transaction.end.file, "binlog.000002");
  EXPECT_EQ(t2.transaction.end.offset, 500u);
  EXPECT_EQ(s.last_end().file, "binlog.000002");
}

TEST(BinlogCoordinatesTest, OrderAcrossFiles) {
  BinlogCoordinates a{"mariadb-bin.000009", 500};
  EXPECT_TRUE(a.AtLeast(BinlogCoordinates{"mariadb-bin.000009", 500}));
  EXPECT_TRUE(a.AtLeast(BinlogCoordinates{"mariadb-bin.000009", 4}));
  EXPECT_FALSE(a.AtLeast(BinlogCoordinates{"mariadb-bin.000009", 501}));
  // Numbers compare, not strings ("000010" is after "000009").
  EXPECT_FALSE(a.AtLeast(BinlogCoordinates{"mariadb-bin.000010", 4}));
  BinlogCoordinates b{"mariadb-bin.000010", 4};
  EXPECT_TRUE(b.AtLeast(a));
  BinlogCoordinates c{"mariadb-bin.1000000", 4};
  BinlogCoordinates d{"mariadb-bin.999999", 9000};
  EXPECT_TRUE(c.AtLeast(d));
  EXPECT_FALSE(d.AtLeast(c));
  // A directory on either side does not matter.
  BinlogCoordinates e{"./mariadb-bin.000009", 500};
  EXPECT_TRUE(e.AtLeast(a));
  EXPECT_TRUE(a.AtLeast(e));
  EXPECT_TRUE(b.AtLeast(e));
  // Unknown or unrelated files never compare as at-or-after.
  EXPECT_FALSE(a.AtLeast(BinlogCoordinates{}));
  EXPECT_FALSE(BinlogCoordinates{}.AtLeast(a));
  EXPECT_FALSE(a.AtLeast(BinlogCoordinates{"other-bin.000001", 4}));
}

// The pre-5.6 temporal formats (TIME, DATETIME, TIMESTAMP without fsp),
// DATE, YEAR, BIT, SET and ENUM without metadata, from their byte layouts.
TEST(OldFormatsTest, TemporalAndMisc) {
  std::string types = absl::StrCat(
      LE(kTypeTime, 1), LE(kTypeDatetime, 1), LE(kTypeTimestamp, 1),
      LE(kTypeDate, 1), LE(kTypeYear, 1), LE(kTypeBit, 1), LE(kTypeTiny, 1));
  // BIT(12): bits % 8 = 4, bytes = 1.
  std::string meta = absl::StrCat(LE(4, 1), LE(1, 1));
  std::string map_body = absl::StrCat(
      LE(7, 6), LE(1, 2), LE(1, 1), "d", std::string(1, '\0'), LE(1, 1), "o",
      std::string(1, '\0'), Packed(7), types, PackedStr(meta), LE(0x7f, 1));
  std::string row = absl::StrCat(
      LE(0, 1),
      LE(static_cast<uint32_t>(-8385959) & 0xffffff, 3),  // -838:59:59
      LE(20240229131415ULL, 8),                           // DATETIME
      LE(1700000000, 4),                                  // TIMESTAMP (UTC)
      LE((2024u << 9) | (2u << 5) | 29u, 3),              // DATE
      LE(124, 1),                                         // YEAR 2024
      BE(0x0abc, 2),                                      // BIT(12)
      LE(0xff, 1));                                       // TINYINT -1
  BinlogDecoder d;
  ASSERT_OK(d.Decode(MariadbFormatDescription(true)).status());
  ASSERT_OK(d.Decode(Event(kTableMapEvent, map_body, true)).status());
  ASSERT_OK_AND_ASSIGN(DecodedEvent ev,
                       d.Decode(Event(kWriteRowsEventV1,
                                      absl::StrCat(LE(7, 6), LE(1, 2),
                                                   Packed(7), LE(0x7f, 1), row),
                                      true)));
  const Row& r = *ev.rows.rows[0].after;
  EXPECT_EQ(r.Get(0), "-838:59:59");
  EXPECT_EQ(r.Get(1), "2024-02-29 13:14:15");
  EXPECT_EQ(r.Get(2), "2023-11-14 22:13:20");
  EXPECT_EQ(r.Get(3), "2024-02-29");
  EXPECT_EQ(r.Get(4), "2024");
  EXPECT_EQ(r.Get(5), std::string("\x0a\xbc", 2));
  EXPECT_EQ(r.Get(6), "-1");
}

// Truncated, bit-flipped and random events must give a Status, never a
// crash or an out-of-bounds read (run under ASan in CI). Checksums are off so
// that mutations reach the parsers instead of failing the CRC.
// A FLOAT's text is written back by the applier: it must read back (as a
// double, then stored as a float, as the server does) as exactly the same
// float, and not above FLT_MAX, which the server refuses.
TEST(ValueCodecTest, FloatTextReadsBackExactly) {
  ColumnDef col;
  col.type = kTypeFloat;
  col.meta = 4;
  for (float f : {1234567.0f, 0.1f, -3.5f, 16777217.0f, 1e-45f, FLT_MAX,
                  -FLT_MAX, 3.14159274f}) {
    std::string bytes(reinterpret_cast<const char*>(&f), sizeof(f));
    ByteReader in(bytes);
    std::string text;
    ASSERT_OK(DecodeValue(col, in, &text));
    const double back = strtod(text.c_str(), nullptr);
    EXPECT_EQ(static_cast<float>(back), f) << text;
    EXPECT_LE(std::fabs(back), FLT_MAX) << text;
  }
}

TEST(DecoderFuzzTest, MalformedBytesGiveErrorsNotCrashes) {
  auto without_crc = [](std::string e) {
    // Rebuild the event body without its CRC for the checksum-less format.
    uint8_t type = static_cast<uint8_t>(e[4]);
    return Event(type, e.substr(19, e.size() - 23), false);
  };
  std::vector<std::string> seeds = {
      without_crc(MysqlGtid(6)),
      without_crc(Query("d", "ALTER TABLE t ADD COLUMN x INT")),
      without_crc(TableMapEvent()),
      without_crc(WriteRowsV2()),
      without_crc(UpdateRowsV2()),
      without_crc(Event(
          kPreviousGtidsLogEvent,
          absl::StrCat(LE(1, 8), kSid, LE(1, 8), LE(1, 8), LE(6, 8)), true)),
      without_crc(Event(kXidEvent, LE(99, 8), true)),
      without_crc(
          Event(kRotateEvent, absl::StrCat(LE(4, 8), "b.000002"), true)),
  };
  std::mt19937 rng(20261122);
  int errors = 0, decoded = 0;
  auto feed = [&](const std::string& bytes) {
    BinlogDecoder d;
    ASSERT_OK(d.Decode(MysqlFormatDescription(false)).status());
    ASSERT_OK(d.Decode(without_crc(TableMapEvent())).status());
    absl::StatusOr<DecodedEvent> ev = d.Decode(bytes);
    ev.ok() ? ++decoded : ++errors;
  };
  for (const std::string& seed : seeds) {
    for (size_t n = 0; n < seed.size(); ++n) {
      std::string t = seed.substr(0, n);
      if (t.size() >= 13) {  // keep the header's size field consistent
        std::string sz = LE(t.size(), 4);
        t.replace(9, 4, sz);
      }
      feed(t);
    }
    for (int i = 0; i < 3000; ++i) {
      std::string m = seed;
      int flips = 1 + rng() % 4;
      for (int f = 0; f < flips; ++f) {
        size_t pos = 13 + rng() % (m.size() - 13);  // keep size and type
        m[pos] = static_cast<char>(rng());
      }
      feed(m);
    }
  }
  for (int i = 0; i < 3000; ++i) {
    std::string r(rng() % 200, '\0');
    for (char& c : r) c = static_cast<char>(rng());
    feed(r);
  }
  EXPECT_GT(errors, 1000);
  EXPECT_GT(decoded, 100);
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
