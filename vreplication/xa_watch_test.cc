#include "vreplication/xa_watch.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace vreplication {
namespace {

using ::testing::HasSubstr;

mysql::Transaction Xa(const std::string& id, bool prepared, bool commit) {
  mysql::Transaction t;
  t.xa_id = id;
  t.xa_prepared = prepared;
  t.xa_commit = commit;
  return t;
}
mysql::Transaction Prepare(const std::string& id) {
  return Xa(id, true, false);
}
mysql::Transaction Commit(const std::string& id) { return Xa(id, false, true); }

TEST(XaWatchTest, OffUntilStartedAndRecordsNothing) {
  XaWatch w;
  EXPECT_OK(w.See(Commit("X'61',X'',1")));
  EXPECT_EQ(w.SaveSql(7), "");
}

TEST(XaWatchTest, FailsTheCommitOfAnIdNeverSeenPrepared) {
  XaWatch w;
  w.Start();
  EXPECT_OK(w.See(Prepare("X'61',X'',1")));
  EXPECT_OK(w.See(Commit("X'61',X'',1")));
  EXPECT_OK(w.See(Xa("X'62',X'',1", false, false)));  // a rollback
  absl::Status s = w.See(Commit("X'63',X'',1"));
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("XA COMMIT X'63',X'',1"));
}

// Recorded only when it changed since the last save, with the prepared ids
// sorted; a rewind goes back to what was recorded.
TEST(XaWatchTest, RecordsChangesAndRewindsToTheRecord) {
  XaWatch w;
  w.Start();
  EXPECT_THAT(w.SaveSql(7), HasSubstr("VALUES (7, '')"));
  w.Saved();
  EXPECT_EQ(w.SaveSql(7), "");
  EXPECT_OK(w.See(Prepare("X'62',X'',1")));
  EXPECT_OK(w.See(Prepare("X'61',X'',1")));
  EXPECT_THAT(
      w.SaveSql(7),
      HasSubstr("VALUES (7, 'X\\'61\\',X\\'\\',1\\nX\\'62\\',X\\'\\',1')"));
  w.Saved();
  EXPECT_EQ(w.SaveSql(7), "");
  // Read past the save, then back (a chunk rolled back).
  EXPECT_OK(w.See(Commit("X'61',X'',1")));
  EXPECT_EQ(w.Text(), "X'62',X'',1");
  w.Rewind();
  EXPECT_EQ(w.Text(), "X'61',X'',1\nX'62',X'',1");
  EXPECT_EQ(w.SaveSql(7), "");
  // Read again: still known as prepared.
  EXPECT_OK(w.See(Commit("X'61',X'',1")));
  EXPECT_OK(w.See(Commit("X'62',X'',1")));
  EXPECT_THAT(w.SaveSql(7), HasSubstr("VALUES (7, '')"));
}

// A rewind before the first save (the copy's first chunk rolled back)
// turns the watch off again: nothing is recorded.
TEST(XaWatchTest, ARewindBeforeTheFirstSaveTurnsItOff) {
  XaWatch w;
  w.Start();
  EXPECT_OK(w.See(Prepare("X'61',X'',1")));
  w.Rewind();
  EXPECT_FALSE(w.active());
  EXPECT_EQ(w.SaveSql(7), "");
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
