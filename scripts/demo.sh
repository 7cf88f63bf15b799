#!/usr/bin/env bash
# The demo: sets everything up, starts throwaway MariaDB instances and runs
# Sidecut's main job on them. It grows with the project; today it starts two
# instances (two "tablets"), writes to one under a small load, and shows the
# GTID positions and binlog configuration Sidecut's workflows rely on.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bazel build //tests/harness:sidecut_mariadb
BIN="$(bazel info bazel-bin 2>/dev/null)/tests/harness/sidecut_mariadb"

work=$(mktemp -d "${TMPDIR:-/tmp}/sidecut-demo.XXXXXX")
harness_pid=""
cleanup() {
  if [ -n "$harness_pid" ]; then kill "$harness_pid" 2>/dev/null || true; wait "$harness_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$BIN" --instances=2 --env_file="$work/mdb.env" >/dev/null &
harness_pid=$!
for _ in $(seq 1 600); do [ -f "$work/mdb.env" ] && break; sleep 0.1; done
[ -f "$work/mdb.env" ] || { echo "demo: instances did not start"; exit 1; }
# shellcheck disable=SC1091
. "$work/mdb.env"
sql() { local i=$1; shift; local port_var="MDB${i}_PORT"; mariadb --protocol=tcp -h127.0.0.1 -P"${!port_var}" -uroot "$@"; }

echo "demo: tablet 0 on port $MDB0_PORT, tablet 1 on port $MDB1_PORT"
sql 0 -e "CREATE DATABASE demo; CREATE TABLE demo.users (id BIGINT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) NOT NULL, title VARCHAR(64)) ENGINE=InnoDB"
for i in $(seq 1 20); do
  sql 0 -e "INSERT INTO demo.users (name, title) VALUES ('user$i', 'title$i')"
done
sql 0 -e "UPDATE demo.users SET title = 'lead' WHERE id % 5 = 0; DELETE FROM demo.users WHERE id = 3"
sql 0 -t -e "SELECT COUNT(*) AS users_rows, @@gtid_binlog_pos AS tablet0_gtid, @@binlog_format AS binlog_format, @@binlog_row_metadata AS row_metadata FROM demo.users"
sql 1 -t -e "SELECT @@server_id AS tablet1_server_id, @@gtid_domain_id AS tablet1_domain, @@gtid_binlog_pos AS tablet1_gtid"
echo "demo: done; instances stopped and removed on exit"
