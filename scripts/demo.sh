#!/usr/bin/env bash
# The demo: sets everything up, starts a throwaway MariaDB, and runs
# Sidecut's main job on it. Today (before online DDL lands) that is a
# VReplication workflow copying a 100k-row table into a new table while a
# writer keeps inserting, updating and deleting, with live progress, then
# verifying that source and target are identical (checksums).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${DEMO_ROWS:-100000}
bash scripts/setup.sh
bazel build //tests/harness:sidecut_mariadb //vreplication:vreplicator >/dev/null 2>&1 ||
  bazel build //tests/harness:sidecut_mariadb //vreplication:vreplicator
BIN="$(bazel info bazel-bin 2>/dev/null)"

work=$(mktemp -d "${TMPDIR:-/tmp}/sidecut-demo.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$BIN/tests/harness/sidecut_mariadb" --instances=1 --env_file="$work/mdb.env" >/dev/null &
pids+=($!)
for _ in $(seq 1 600); do [ -f "$work/mdb.env" ] && break; sleep 0.1; done
[ -f "$work/mdb.env" ] || { echo "demo: MariaDB did not start"; exit 1; }
. "$work/mdb.env"
sql() { mariadb --protocol=tcp -h127.0.0.1 -P"$MDB0_PORT" -uroot "$@"; }
echo "demo: MariaDB on 127.0.0.1:$MDB0_PORT"

sql -e "CREATE DATABASE demo;
  CREATE TABLE demo.users (id BIGINT PRIMARY KEY AUTO_INCREMENT,
    name VARCHAR(64) NOT NULL, title VARCHAR(64), score INT,
    updated TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3));
  CREATE TABLE demo.users_copy LIKE demo.users;
  INSERT INTO demo.users (name, title, score)
    SELECT CONCAT('user', seq), CONCAT('title', seq % 97), seq % 1000
    FROM demo.seq_1_to_$ROWS;"
echo "demo: demo.users has $ROWS rows; starting a writer (inserts, updates, deletes)"
(
  i=0
  while true; do
    i=$((i + 1))
    sql -e "INSERT INTO demo.users (name, title, score) VALUES ('Savannah$i', 'new', $i);
      UPDATE demo.users SET score = score + 1 WHERE id = FLOOR(1 + RAND() * $ROWS);
      DELETE FROM demo.users WHERE id = FLOOR(1 + RAND() * $ROWS);" 2>/dev/null || true
  done
) &
writer=$!
pids+=($writer)

"$BIN/vreplication/vreplicator" --port="$MDB0_PORT" --copy_phase_duration_ms=2000 \
  --create_workflow=demo_copy --db=demo \
  --source='filter:{rules:{match:"users_copy" filter:"select * from users"}}' >"$work/vr.log" 2>&1 &
pids+=($!)

start=$(date +%s.%N)
while true; do
  line=$(sql -N -e "SELECT state, rows_copied, (SELECT COUNT(*) FROM demo.users),
      IFNULL(message, '') FROM _vt.vreplication WHERE workflow = 'demo_copy'" 2>/dev/null || true)
  if [ -n "$line" ]; then
    read -r state copied total msg <<<"$line"
    now=$(date +%s.%N)
    python3 -c "
import sys
c, t, el = int('$copied'), max(int('$total'), 1), $now - $start
rate = c / el if el > 0 else 0
eta = (t - c) / rate if rate > 0 and c < t else 0
print(f'\rdemo: {\"$state\":8} copied {c:>7}/{t} ({100*min(c,t)/t:5.1f}%)  {rate:8.0f} rows/s  ETA {eta:4.1f}s', end='')"
    [ "$state" = "Running" ] && break
    [ "$state" = "Error" ] && { echo; echo "demo: workflow failed: $msg"; exit 1; }
  fi
  sleep 0.5
done
echo
echo "demo: copy done, now tailing the binlog; letting the writer run 2 more seconds"
sleep 2
kill "$writer"; wait "$writer" 2>/dev/null || true
target=$(sql -N -e "SELECT @@gtid_binlog_pos")
for _ in $(seq 1 120); do
  pos=$(sql -N -e "SELECT pos FROM _vt.vreplication WHERE workflow = 'demo_copy'")
  [ "$pos" = "MariaDB/$target" ] && break
  sleep 0.5
done
echo "demo: caught up at $pos"
cs() { sql -N -e "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', id, name, IFNULL(title,'N'), IFNULL(score,'N'), updated))) FROM demo.$1"; }
a=$(cs users); b=$(cs users_copy)
echo "demo: checksum users      = $a"
echo "demo: checksum users_copy = $b"
if [ "$a" = "$b" ]; then echo "demo: identical: no row lost, duplicated or corrupted"; else echo "demo: MISMATCH"; exit 1; fi
