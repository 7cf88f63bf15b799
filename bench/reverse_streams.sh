#!/usr/bin/env bash
# Benchmark: what the reverse streams of completed migrations cost a busy
# tablet. Each completed online ALTER keeps its old table in sync (instant
# revert) with a stream that reads every binlog event until the migration's
# artifacts are cleaned up. This runs the same paced sysbench write load
# (oltp_write_only, default 1000 tps) for SECONDS with 0 completed ALTERs,
# then after N of them (default 8, one per table) with every reverse stream
# running (--live_reverse_streams=-1), then with sidecutd's default (the
# newest LIVE=4 run, the others parked), and prints the CPU seconds
# sidecutd and mariadbd spent and the load's tps in each.
#
#   bash bench/reverse_streams.sh [N] [SECONDS]
#
# Environment: BENCH_RATE (sysbench --rate, default 1000), BENCH_ROWS (rows
# per table, default 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-8}
SECONDS_RUN=${2:-20}
RATE=${BENCH_RATE:-1000}
ROWS=${BENCH_ROWS:-10000}
bash scripts/setup.sh >/dev/null
command -v sysbench >/dev/null || {
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y --no-install-recommends sysbench >/dev/null
}
bazel build -c opt //tests/harness:sidecut_mariadb //tablet:sidecutd //cli:sidecut >/dev/null 2>&1
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"
work=$(mktemp -d "${TMPDIR:-/tmp}/sidecut-rs.XXXXXX")
pids=()
cleanup() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
"$BIN/tests/harness/sidecut_mariadb" --bench --env_file="$work/env" >/dev/null &
pids+=($!)
for _ in $(seq 1 600); do [ -f "$work/env" ] && break; sleep 0.1; done
. "$work/env"
sql() { mariadb --protocol=tcp -h127.0.0.1 -P"$MDB0_PORT" -uroot "$@"; }
SB=(sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$MDB0_PORT"
  --mysql-user=root --mysql-db=sbtest --tables="$N" --table-size="$ROWS" --db-ps-mode=disable)
sql -e "CREATE DATABASE sbtest"
"${SB[@]}" prepare >/dev/null
SIDECUTD=""
start_sidecutd() {  # start_sidecutd LIVE: a (new) sidecutd with --live_reverse_streams=LIVE
  if [ -n "$SIDECUTD" ]; then kill "$SIDECUTD"; wait "$SIDECUTD" 2>/dev/null || true; fi
  rm -f "$work/port"
  "$BIN/tablet/sidecutd" --mysql_port="$MDB0_PORT" --db=sbtest --port=0 --tick_ms=100 \
    --live_reverse_streams="$1" --port_file="$work/port" 2>>"$work/sidecutd.log" &
  SIDECUTD=$!
  pids+=($!)
  for _ in $(seq 1 300); do [ -s "$work/port" ] && break; sleep 0.1; done
  SERVER="127.0.0.1:$(cat "$work/port")"
}
start_sidecutd -1
MARIADBD=$(pgrep -n -f "mariadbd.*port=$MDB0_PORT" || pgrep -n mariadbd)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
measure() {  # measure LABEL: CPU seconds of sidecutd and mariadbd under the load
  local s0 m0 s1 m1
  s0=$(ticks "$SIDECUTD"); m0=$(ticks "$MARIADBD")
  "${SB[@]}" --threads=2 --rate="$RATE" --time="$SECONDS_RUN" run >"$work/load" 2>&1
  s1=$(ticks "$SIDECUTD"); m1=$(ticks "$MARIADBD")
  local tps
  tps=$(grep -o 'transactions: *[0-9]* *([0-9.]*' "$work/load" | grep -o '[0-9.]*$')
  echo "$1 $(((s1 - s0))) $(((m1 - m0))) $tps"
}
echo "bench: $N tables of $ROWS rows, load $RATE tps for $SECONDS_RUN s"
read -r _ s_before m_before tps_before < <(measure before)
for i in $(seq 1 "$N"); do
  "$BIN/cli/sidecut" --server="$SERVER" ApplySchema --ddl-strategy=vitess --wait --poll-ms=100 \
    --sql="ALTER TABLE sbtest$i ADD COLUMN x$i INT" sbtest >/dev/null
done
running() { sql -N -e "SELECT COUNT(*) FROM _vt.vreplication WHERE state = 'Running'"; }
all_live=$(running)
read -r _ s_all m_all tps_all < <(measure all)
# The default: the newest LIVE (4) run, the others are parked.
start_sidecutd "${LIVE:-4}"
for _ in $(seq 1 100); do [ "$(running)" -le "${LIVE:-4}" ] && break; sleep 0.1; done
some_live=$(running)
read -r _ s_some m_some tps_some < <(measure some)
python3 - "$hz" "$s_before" "$m_before" "$tps_before" "$all_live" "$s_all" "$m_all" "$tps_all" \
  "$some_live" "$s_some" "$m_some" "$tps_some" <<'PY'
import sys
hz = float(sys.argv[1])
rows = [("0", sys.argv[2:5]), (sys.argv[5], sys.argv[6:9]), (sys.argv[9], sys.argv[10:13])]
for n, (s, m, t) in rows:
    print(f"{n:>2} running reverse streams: sidecutd {float(s)/hz:5.2f} s CPU, "
          f"mariadbd {float(m)/hz:5.2f} s CPU, load {float(t):.0f} tps")
PY
