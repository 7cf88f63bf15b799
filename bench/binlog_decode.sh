#!/usr/bin/env bash
# Benchmark: binlog decode throughput (row changes/s on one core) on a
# sysbench-like table, against mariadb-binlog decoding the same binlog with
# --base64-output=decode-rows -vv (the peer), run side by side.
#
#   bash bench/binlog_decode.sh [ROWS]   # default 200000 rows
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-200000}
bash scripts/setup.sh >/dev/null
bazel build -c opt //bench:binlog_decode_bench //tests/harness:sidecut_mariadb >/dev/null 2>&1
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"
work=$(mktemp -d "${TMPDIR:-/tmp}/sidecut-bench.XXXXXX")
hp=""
cleanup() { [ -n "$hp" ] && { kill "$hp" 2>/dev/null || true; wait "$hp" 2>/dev/null || true; }; rm -rf "$work"; }
trap cleanup EXIT
"$BIN/tests/harness/sidecut_mariadb" --bench --env_file="$work/env" >/dev/null &
hp=$!
for _ in $(seq 1 600); do [ -f "$work/env" ] && break; sleep 0.1; done
. "$work/env"
sql() { mariadb --protocol=tcp -h127.0.0.1 -P"$MDB0_PORT" -uroot "$@"; }
sql -e "CREATE DATABASE sb; CREATE TABLE sb.sbtest1 (id INT PRIMARY KEY AUTO_INCREMENT, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k))"
start=$(sql -N -e "SELECT @@gtid_binlog_pos")
batch=1000
for ((i = 0; i < ROWS; i += batch)); do
  echo "INSERT INTO sb.sbtest1 (k, c, pad) SELECT FLOOR(RAND()*1000000), REPEAT(CHAR(48 + seq % 10), 119), REPEAT('p', 59) FROM sb.seq_1_to_$batch;"
done | sql
sql -e "UPDATE sb.sbtest1 SET k = k + 1 WHERE id % 2 = 0"
end=$(sql -N -e "SELECT @@gtid_binlog_pos")
echo "binlog: $ROWS inserts + $((ROWS / 2)) updates, GTIDs $start .. $end"
out=$("$BIN/bench/binlog_decode_bench" --port="$MDB0_PORT" --start="$start" --end="$end" --rounds=3)
echo "$out"
ours=$(echo "$out" | awk '/sidecut_rows_per_sec/ {print $2}')
changes=$((ROWS + ROWS / 2))
files=$(ls "$MDB0_DIR"/data/mariadb-bin.[0-9]*)
t0=$(date +%s.%N)
mariadb-binlog --base64-output=decode-rows -vv $files >/dev/null
t1=$(date +%s.%N)
peer=$(python3 -c "print(int($changes / ($t1 - $t0)))")
echo "mariadb-binlog decode-rows -vv: $peer row changes/s"
python3 -c "print(f'ratio sidecut/mariadb-binlog: {$ours / $peer:.2f}x')"
