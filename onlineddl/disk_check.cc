#include "onlineddl/disk_check.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {

namespace {

// A database name stored on disk as itself (others are encoded, @xxxx).
bool IsPlainName(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

// `db`.`table`'s rows and indexes as the server counts them; false if it
// does not say (no such table).
absl::StatusOr<bool> TableSize(mysql::Connection& conn, absl::string_view db,
                               absl::string_view table, uint64_t* data,
                               uint64_t* index) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result sizes,
      conn.Execute(absl::StrCat(
          "SELECT IFNULL(DATA_LENGTH, 0), IFNULL(INDEX_LENGTH, 0) FROM "
          "information_schema.TABLES WHERE TABLE_SCHEMA = ",
          mysql::QuoteString(db),
          " AND TABLE_NAME = ", mysql::QuoteString(table))));
  return !sizes.rows.empty() && absl::SimpleAtoi(sizes.rows[0].Get(0), data) &&
         absl::SimpleAtoi(sizes.rows[0].Get(1), index);
}

}  // namespace

absl::StatusOr<FsSpace> LocalFsSpace(const std::string& path) {
  struct stat st;
  struct statvfs vfs;
  if (stat(path.c_str(), &st) != 0 || statvfs(path.c_str(), &vfs) != 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot look at ", path, ": ", std::strerror(errno)));
  }
  FsSpace s;
  s.device = static_cast<uint64_t>(st.st_dev);
  // What an unprivileged writer may use (the server is one).
  s.free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  return s;
}

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? absl::StrCat(bytes, " B")
                : absl::StrFormat("%.1f %s", v, units[u]);
}

absl::StatusOr<std::string> CheckDiskForCopy(
    mysql::Connection& conn, absl::string_view db, absl::string_view table,
    const FsSpaceFn& space, std::string* skipped,
    const std::vector<CopyUnderWay>& others) {
  auto skip = [skipped](std::string why) {
    if (skipped != nullptr) *skipped = std::move(why);
    return std::string();
  };
  uint64_t data = 0, index = 0;
  SC_ASSIGN_OR_RETURN(bool sized, TableSize(conn, db, table, &data, &index));
  if (!sized) return std::string();
  SC_ASSIGN_OR_RETURN(
      mysql::Result paths,
      conn.Execute("SELECT @@datadir, IFNULL(@@log_bin_basename, ''), "
                   "IFNULL(NULLIF(@@innodb_tmpdir, ''), @@tmpdir)"));
  if (paths.rows.empty()) return std::string();
  const std::string datadir(paths.rows[0].Get(0));
  std::string binlog_dir(paths.rows[0].Get(1));
  const size_t slash = binlog_dir.rfind('/');
  binlog_dir = slash == std::string::npos ? "" : binlog_dir.substr(0, slash);
  // Where an index build sorts (tmpdir may list several: the first).
  std::string tmpdir(paths.rows[0].size() > 2 ? paths.rows[0].Get(2) : "");
  tmpdir = tmpdir.substr(0, tmpdir.find(':'));
  if (!IsPlainName(db)) {
    return skip(
        absl::StrCat("the database's name is stored encoded on "
                     "disk; its directory under ",
                     datadir, " is not looked for"));
  }
  // The database's own directory: where its tables are (a symlink to
  // another filesystem counts), and proof that the path seen here is the
  // server's (a server in another container may share the network and
  // not the filesystem: the path is then missing, or not this one).
  const std::string db_dir =
      absl::StrCat(datadir, absl::EndsWith(datadir, "/") ? "" : "/", db);
  absl::StatusOr<FsSpace> data_fs = space(db_dir);
  if (!data_fs.ok()) {
    // Not ours to see (another container's server, or a directory this
    // user may not read).
    return skip(std::string(data_fs.status().message()));
  }
  // The shadow as large as the table; its rows once more in the binlog
  // (row images: about the data's size).
  const uint64_t shadow = data + index;
  const uint64_t logged = binlog_dir.empty() ? 0 : data;
  // Plus what the copies under way have yet to write: the rest of their
  // rows, their secondary indexes (built at the end), the rest of their
  // rows in the binlog.
  uint64_t others_shadow = 0, others_logged = 0, others_sort = 0;
  int counted = 0;
  for (const CopyUnderWay& o : others) {
    uint64_t o_data = 0, o_index = 0;
    SC_ASSIGN_OR_RETURN(bool known,
                        TableSize(conn, db, o.table, &o_data, &o_index));
    if (!known) continue;  // gone since
    ++counted;
    const double left = 1 - std::min(std::max(o.copied, 0.0), 1.0);
    const uint64_t rows_left = static_cast<uint64_t>(o_data * left);
    others_shadow += rows_left + o_index;
    others_sort += o_index;
    if (!binlog_dir.empty()) others_logged += rows_left;
  }
  auto under_way = [&](uint64_t bytes) {
    return counted == 0
               ? std::string()
               : absl::StrCat(", and ", HumanBytes(bytes),
                              " yet to be written by ", counted, " other cop",
                              counted == 1 ? "y" : "ies", " under way");
  };
  absl::StatusOr<FsSpace> log_fs =
      logged > 0 ? space(binlog_dir) : absl::StatusOr<FsSpace>(*data_fs);
  if (!log_fs.ok()) log_fs = *data_fs;  // assume the same filesystem
  // The secondary indexes are built after the rows, sorting in files of
  // about their size under tmpdir (InnoDB's merge files): counted where
  // tmpdir is seen on the datadir's filesystem. Elsewhere it is not
  // checked: nothing proves the path seen here is the server's (a
  // sidecar's container shares the data volume, not /tmp).
  absl::StatusOr<FsSpace> tmp_fs = index > 0 && !tmpdir.empty()
                                       ? space(tmpdir)
                                       : absl::StatusOr<FsSpace>(*data_fs);
  const bool sorts_here = tmp_fs.ok() && tmp_fs->device == data_fs->device;
  // What each filesystem must hold: its parts, in this order, and what
  // the copies under way have yet to write there.
  struct Part {
    const FsSpace* fs;
    std::string where;
    uint64_t bytes;
    std::string what;
    uint64_t others;
  };
  const std::vector<Part> parts = {
      {&*data_fs, absl::StrCat("the database's directory ", db_dir), shadow,
       "for the shadow table", others_shadow},
      {&*log_fs, absl::StrCat("the binlog ", binlog_dir), logged,
       "for its rows in the binlog", others_logged},
      {&*data_fs, absl::StrCat("the index build's tmpdir ", tmpdir),
       sorts_here ? index : 0, "for sorting its secondary indexes",
       sorts_here ? others_sort : 0},
  };
  std::vector<bool> done(parts.size(), false);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (done[i]) continue;
    uint64_t need = kDiskReserveBytes, others_bytes = 0;
    std::string breakdown;
    for (size_t k = i; k < parts.size(); ++k) {
      if (parts[k].fs->device != parts[i].fs->device) continue;
      done[k] = true;
      need += parts[k].bytes + parts[k].others;
      others_bytes += parts[k].others;
      if (parts[k].bytes == 0) continue;
      absl::StrAppend(&breakdown, breakdown.empty() ? "" : " and ",
                      HumanBytes(parts[k].bytes), " ", parts[k].what);
    }
    if (parts[i].fs->free_bytes >= need) continue;
    return absl::StrCat(
        "not enough disk for an online copy of ", mysql::QuoteIdentifier(table),
        ": it needs about ", HumanBytes(need), " on the filesystem of ",
        parts[i].where, " (", breakdown, under_way(others_bytes), ", with ",
        HumanBytes(kDiskReserveBytes), " kept free) and has ",
        HumanBytes(parts[i].fs->free_bytes),
        "; free space there, then retry it");
  }
  return std::string();
}

}  // namespace onlineddl
}  // namespace sidecut
