#!/usr/bin/env bash
# The demo: sets everything up, starts a throwaway MariaDB and sidecutd,
# and runs an online ALTER of a 500k-row table while a writer keeps
# inserting, updating and deleting: live progress, a cut-over that stalls
# writes briefly (none fails), verification by checksums, then an instant
# REVERT that keeps every row written in between. Then scripts/demo_sharded.sh:
# a gated multi-table deployment across a 2-shard keyspace via sidecut-ctld.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${DEMO_ROWS:-500000}
bash scripts/setup.sh
bazel build //tests/harness:sidecut_mariadb //tablet:sidecutd //cli:sidecut >/dev/null 2>&1 ||
  bazel build //tests/harness:sidecut_mariadb //tablet:sidecutd //cli:sidecut
BIN="$(bazel info bazel-bin 2>/dev/null)"

work=$(mktemp -d "${TMPDIR:-/tmp}/sidecut-demo.XXXXXX")
pids=()
writer=""
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
  INSERT INTO demo.users (name, title, score)
    SELECT CONCAT('user', seq), CONCAT('title', seq % 97), seq % 1000
    FROM demo.seq_1_to_$ROWS;"
echo "demo: demo.users has $ROWS rows"

"$BIN/tablet/sidecutd" --mysql_port="$MDB0_PORT" --db=demo --keyspace=commerce \
  --port=0 --port_file="$work/sidecutd.port" 2>"$work/sidecutd.log" &
pids+=($!)
for _ in $(seq 1 300); do [ -s "$work/sidecutd.port" ] && break; sleep 0.1; done
[ -s "$work/sidecutd.port" ] || { echo "demo: sidecutd did not start"; cat "$work/sidecutd.log"; exit 1; }
SERVER="127.0.0.1:$(cat "$work/sidecutd.port")"
echo "demo: sidecutd serving keyspace commerce on $SERVER"
sidecut() { "$BIN/cli/sidecut" --server="$SERVER" "$@"; }

# A writer: one client session issuing inserts, updates and deletes; every
# failed statement is counted.
start_writer() {
  python3 - "$MDB0_PORT" "$ROWS" "$work/writer.$1" <<'PY' &
import os, random, subprocess, sys, time
port, rows, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
p = subprocess.Popen(["mariadb", "--protocol=tcp", "-h127.0.0.1", "-P" + port,
                      "-uroot", "--force", "-N", "demo"],
                     stdin=subprocess.PIPE, stderr=open(out + ".err", "w"),
                     text=True)
n = 0
try:
    while True:
        n += 1
        r = random.randint(1, rows)
        p.stdin.write(f"INSERT INTO users (name, score) VALUES ('Savannah{n}', {n});\n"
                      f"UPDATE users SET score = score + 1 WHERE id = {r};\n"
                      f"DELETE FROM users WHERE id = {random.randint(1, rows)};\n")
        p.stdin.flush()
        with open(out + ".tmp", "w") as f:
            f.write(str(3 * n))
        os.replace(out + ".tmp", out)  # never seen half-written
        time.sleep(0.01)
except BrokenPipeError:
    pass
PY
  writer=$!
  pids+=($writer)
}
stop_writer() {
  kill "$writer" 2>/dev/null || true
  wait "$writer" 2>/dev/null || true
}

cs() { sql -N -e "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', id, name, score, updated))) FROM demo.\`$1\`"; }
same() {  # waits until two tables match on the shared columns
  for _ in $(seq 1 120); do
    a=$(cs "$1"); b=$(cs "$2")
    [ "$a" = "$b" ] && { echo "demo: checksum $1 = $2 = $a"; return 0; }
    sleep 0.25
  done
  echo "demo: MISMATCH $1 ($a) vs $2 ($b)"; return 1
}

start_writer 1
echo "demo: writer running; online ALTER: drop title, add email, widen score"
sidecut ApplySchema --ddl-strategy=vitess --wait \
  --sql="ALTER TABLE users DROP COLUMN title, ADD COLUMN email VARCHAR(128), MODIFY score BIGINT" \
  commerce | tee "$work/alter.out"
uuid=$(tail -n1 "$work/alter.out" | cut -d' ' -f1)
grep -q " complete" <(tail -n1 "$work/alter.out") || { echo "demo: ALTER did not complete"; exit 1; }
sidecut OnlineDDL show commerce "$uuid"
sql -N -e "SELECT RIGHT(message, 400) FROM _vt.schema_migrations WHERE message <> ''" | sed "s/^/demo: message: /"
stop_writer
echo "demo: writer sent $(cat "$work/writer.1") statements during the ALTER," \
  "$(grep -c ERROR "$work/writer.1.err" || true) failed"
artifact=$(sql -N -e "SELECT artifacts FROM _vt.schema_migrations WHERE migration_uuid = '$uuid'")
echo "demo: the old table is kept as $artifact and kept in sync for an instant revert"
same users "$artifact"

start_writer 2
sleep 1
echo "demo: REVERT (the old table has every row written since the cut-over)"
t0=$(date +%s.%N)
sidecut OnlineDDL revert commerce "$uuid" --wait | tee "$work/revert.out"
t1=$(date +%s.%N)
grep -q " complete" <(tail -n1 "$work/revert.out") || { echo "demo: REVERT did not complete"; exit 1; }
stop_writer
python3 -c "print('demo: revert took %.2fs' % ($t1 - $t0))"
echo "demo: writer sent $(cat "$work/writer.2") statements around the revert," \
  "$(grep -c ERROR "$work/writer.2.err" || true) failed"
revert_uuid=$(tail -n1 "$work/revert.out" | cut -d' ' -f1)
new_artifact=$(sql -N -e "SELECT artifacts FROM _vt.schema_migrations WHERE migration_uuid = '$revert_uuid'")
sql -e "SELECT COUNT(*) AS rows_with_title FROM demo.users WHERE title IS NOT NULL;
  SELECT COUNT(*) AS new_rows_null_title FROM demo.users WHERE name LIKE 'Savannah%' AND title IS NULL;
  SHOW CREATE TABLE demo.users\G" | sed 's/^/demo: /'
same users "$new_artifact"
echo "demo: done: online ALTER and REVERT under live writes, no row lost"

# Part two: the same across a sharded keyspace, through the controller.
cleanup
trap - EXIT
exec bash scripts/demo_sharded.sh
