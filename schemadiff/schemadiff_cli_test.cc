#include "schemadiff/schemadiff_cli.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace sidecut {
namespace schemadiff {
namespace {

std::string TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::filesystem::path p =
      std::filesystem::path(base ? base : "/tmp") / ("cli_" + name);
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun RunCli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunSchemadiffCli(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(SchemadiffCliTest, Runs) {
  std::string dir = TempDir("runs");
  Write(dir + "/a.sql",
        "create table t1 (id int primary key);\n"
        "create view v1 as select id from t1;\n");
  std::filesystem::create_directories(dir + "/b");
  Write(dir + "/b/1_t1.sql", "create table t1 (id int primary key, x int)");
  Write(dir + "/b/2_tp.sql", "create table tp (id int primary key)");
  Write(dir + "/b/3_t3.sql",
        "create table t3 (id int primary key, p int, "
        "foreign key (p) references tp (id))");
  Write(dir + "/b/notes.txt", "not sql");
  Write(dir + "/bad.sql", "create table");
  Write(dir + "/r1.sql", "create table t1 (id int primary key, v int)");
  Write(dir + "/r2.sql", "create table t2 (id int primary key, v int)");
  Write(dir + "/cycle.sql",
        "create table t1 (id int primary key, v int);"
        "create table a (id int primary key, b_id int, "
        "foreign key (b_id) references b (id));"
        "create table b (id int primary key, a_id int, "
        "foreign key (a_id) references a (id))");
  struct Case {
    std::string name;
    std::vector<std::string> args;
    int code;
    std::vector<std::string> out_has;  // in this order
    std::string err_has;
  };
  const std::vector<Case> cases = {
      {"file to directory",
       {"--from=" + dir + "/a.sql", "--to=" + dir + "/b"},
       0,
       {"drop view v1;", "alter table t1 add column x int;", "create table tp",
        "create table t3"},
       ""},
      {"json",
       {"--from=" + dir + "/a.sql", "--to=" + dir + "/b", "--json"},
       0,
       {"\"diffs\": [", "\"kind\": \"drop_view\"", "\"kind\": \"alter_table\"",
        "\"instant\": {\"mariadb\": true, \"mysql80\": true}", "\"order\": [",
        "\"classes\": [", "\"sequential_execution\""},
       ""},
      {"no diff",
       {"--from=" + dir + "/a.sql", "--to=" + dir + "/a.sql"},
       0,
       {},
       ""},
      {"rename planned as drop and create by default",
       {"--from=" + dir + "/r1.sql", "--to=" + dir + "/r2.sql"},
       0,
       {"drop table t1;", "create table t2"},
       ""},
      {"heuristic rename",
       {"--from=" + dir + "/r1.sql", "--to=" + dir + "/r2.sql",
        "--table-rename=heuristic"},
       0,
       {"rename table t1 to t2;"},
       ""},
      {"foreign key cycle of new tables: strict",
       {"--from=" + dir + "/r1.sql", "--to=" + dir + "/cycle.sql"},
       1,
       {},
       "no valid applicable order"},
      {"foreign key cycle of new tables: create-table-first",
       {"--from=" + dir + "/r1.sql", "--to=" + dir + "/cycle.sql",
        "--fk-check=create-table-first"},
       0,
       {"create table a", "create table b"},
       ""},
      {"unknown strategy",
       {"--from=" + dir + "/r1.sql", "--to=" + dir + "/r2.sql",
        "--fk-check=lax"},
       2,
       {},
       "unknown argument --fk-check=lax"},
      {"help", {"--help"}, 0, {"usage:", "live server"}, ""},
      {"missing --to", {"--from=" + dir + "/a.sql"}, 2, {}, "required"},
      {"unknown flag", {"--frm=x"}, 2, {}, "unknown argument"},
      {"missing file",
       {"--from=/nonexistent.sql", "--to=" + dir + "/a.sql"},
       1,
       {},
       "cannot read /nonexistent.sql"},
      {"parse error names the file",
       {"--from=" + dir + "/bad.sql", "--to=" + dir + "/a.sql"},
       1,
       {},
       "bad.sql: "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CliRun r = RunCli(c.args);
    EXPECT_EQ(r.code, c.code) << r.err;
    size_t pos = 0;
    for (const std::string& want : c.out_has) {
      size_t at = r.out.find(want, pos);
      EXPECT_NE(at, std::string::npos) << want << " in\n" << r.out;
      if (at != std::string::npos) pos = at;
    }
    if (c.out_has.empty() && c.code == 0 && c.name == "no diff") {
      EXPECT_EQ(r.out, "");
    }
    EXPECT_TRUE(absl::StrContains(r.err, c.err_has)) << r.err;
  }
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
