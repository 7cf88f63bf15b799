// The live-server source of `sidecut schemadiff` / sidecut_schemadiff:
// mysql://user[:password]@host[:port]/db (default port 3306), read as the
// server's SHOW CREATE TABLE / VIEW of every table and view of db (Sidecut's
// own artifacts left out).
#ifndef SIDECUT_CLI_LIVE_SCHEMA_SOURCE_H_
#define SIDECUT_CLI_LIVE_SCHEMA_SOURCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/connection.h"

namespace sidecut {
namespace cli {

struct MysqlUrl {
  mysql::ConnectParams params;
  std::string db;
};

// INVALID_ARGUMENT naming what is wrong.
absl::StatusOr<MysqlUrl> ParseMysqlUrl(absl::string_view url);

// Connects and returns the schema's CREATE statements.
absl::StatusOr<std::string> LoadLiveSchema(const std::string& url);

}  // namespace cli
}  // namespace sidecut

#endif  // SIDECUT_CLI_LIVE_SCHEMA_SOURCE_H_
