#!/usr/bin/env bash
# Benchmark: VReplication copy and catch-up on one MariaDB (benchmark mode,
# 512M buffer pool), side by side with the server-side floor.
#   1. copy rows/s of a sysbench-like table vs `INSERT INTO t2 SELECT * FROM t`
#   2. catch-up apply rate (row events/s) vs the rate a writer produced them
#   3. peak RSS of the vreplicator process during the copy (VmHWM)
#
#   bash bench/vreplication_copy.sh [ROWS]    # default 500000
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-500000}
bash scripts/setup.sh >/dev/null
bazel build -c opt //tests/harness:sidecut_mariadb //vreplication:vreplicator >/dev/null 2>&1
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"
work=$(mktemp -d "${TMPDIR:-/tmp}/sidecut-bench.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
"$BIN/tests/harness/sidecut_mariadb" --bench --env_file="$work/env" >/dev/null &
pids+=($!)
for _ in $(seq 1 600); do [ -f "$work/env" ] && break; sleep 0.1; done
. "$work/env"
sql() { mariadb --protocol=tcp -h127.0.0.1 -P"$MDB0_PORT" -uroot "$@"; }
now() { date +%s.%N; }
sql -e "CREATE DATABASE sb; CREATE TABLE sb.t (id INT PRIMARY KEY AUTO_INCREMENT, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k));
  INSERT INTO sb.t (k, c, pad) SELECT FLOOR(RAND()*1000000), REPEAT(CHAR(48 + seq % 10), 119), REPEAT('p', 59) FROM sb.seq_1_to_$ROWS;
  CREATE TABLE sb.floor LIKE sb.t; CREATE TABLE sb.copy LIKE sb.t;"
t0=$(now); sql -e "INSERT INTO sb.floor SELECT * FROM sb.t"; t1=$(now)
floor=$(python3 -c "print($ROWS / ($t1 - $t0))")

t0=$(now)
"$BIN/vreplication/vreplicator" --port="$MDB0_PORT" --create_workflow=bench --db=sb \
  --source='filter:{rules:{match:"copy" filter:"select * from t"}}' >"$work/vr.log" 2>&1 &
vr=$!; pids+=($vr)
hwm=0
while true; do
  h=$(awk '/VmHWM/ {print $2}' /proc/$vr/status 2>/dev/null || echo 0)
  [ "${h:-0}" -gt "$hwm" ] && hwm=$h
  st=$(sql -N -e "SELECT state FROM _vt.vreplication WHERE workflow='bench'" 2>/dev/null || true)
  [ "$st" = "Running" ] && break
  [ "$st" = "Error" ] && { sql -e "SELECT message FROM _vt.vreplication"; exit 1; }
  sleep 0.05
done
t1=$(now)
copy=$(python3 -c "print($ROWS / ($t1 - $t0))")

# Catch-up: stop the vreplicator, produce row events, restart, time it.
kill "$vr"; wait "$vr" 2>/dev/null || true
N=$((ROWS / 5))
t0=$(now)
for ((i = 0; i < N; i += 1000)); do
  echo "UPDATE sb.t SET k = k + 1 WHERE id BETWEEN $((i + 1)) AND $((i + 1000));"
done | sql
t1=$(now)
produce=$(python3 -c "print($N / ($t1 - $t0))")
target=$(sql -N -e "SELECT @@gtid_binlog_pos")
t0=$(now)
"$BIN/vreplication/vreplicator" --port="$MDB0_PORT" >"$work/vr2.log" 2>&1 &
vr=$!; pids+=($vr)
# Caught up when the saved position includes $target (single domain: compare
# sequence numbers; the workflow's own position writes move the server on).
want=${target##*-}
while true; do
  pos=$(sql -N -e "SELECT pos FROM _vt.vreplication WHERE workflow='bench'")
  [ "${pos##*-}" -ge "$want" ] && break
  sleep 0.05
done
t1=$(now)
apply=$(python3 -c "print($N / ($t1 - $t0))")
a=$(sql -N -e "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', id, k, c, pad))) FROM sb.t")
b=$(sql -N -e "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', id, k, c, pad))) FROM sb.copy")
python3 - <<PY
print(f"rows: $ROWS")
print(f"copy:    sidecut {$copy:10.0f} rows/s   INSERT..SELECT {$floor:10.0f} rows/s   ratio {$copy/$floor:.2f}")
print(f"catchup: sidecut {$apply:10.0f} row events/s   writer produced {$produce:10.0f}/s   ratio {$apply/$produce:.2f}")
print(f"peak RSS of vreplicator during copy: {$hwm/1024:.1f} MB")
print("checksums equal" if "$a" == "$b" else "CHECKSUM MISMATCH: $a vs $b")
PY
