#!/usr/bin/env bash
# Benchmark: online ALTER of a sysbench table (default 1M rows) with Sidecut
# against native `ALTER TABLE … ALGORITHM=COPY` and pt-online-schema-change,
# all on the same MariaDB (benchmark mode, 512M buffer pool) in one run,
# idle, under a sysbench oltp_write_only load (2 threads) at full speed, and
# under the same load paced at 50% and 25% of that rate (servers with headroom).
# Reports per method: total time (and ratio to native COPY), foreground tps
# during the ALTER as a share of the baseline, and the write stall: the
# longest single write of a probe issuing 100 single-row UPDATEs/s, plus
# failed writes.
#
#   bash bench/onlineddl_alter.sh [ROWS]     # default 1000000
#
# Environment: BENCH_METHODS ("native ptosc sidecut sidecut_stmt
# sidecut_prio sidecut_inline"; ptosc_gentle: pt-osc with short chunks and
# pauses, PTOSC_GENTLE_FLAGS; Sidecut as it comes, with --statement_copy,
# with --copy_niceness=SIDECUT_PRIO_NICENESS (-5), with secondary indexes
# built during the copy; sidecut_alt: with SIDECUT_ALT_FLAGS), BENCH_SCENARIOS
# ("idle load paced"; also paced50, paced25), PACED_PCT ("50 25"),
# BENCH_REPEAT (1; N alternating rounds, medians), BENCH_MYSQLD_OPTS,
# BENCH_KEEP=DIR, BENCH_PERF=PREFIX (a perf record -a -g profile of each
# run, to PREFIX.<scenario>.<method>.data), SIDECUT_NICENESS, SIDECUT_DEFER_INDEXES, SIDECUT_LIMIT,
# SIDECUT_FLAGS (more sidecutd flags for every Sidecut method),
# SIDECUT_STMT_FLAGS (more for sidecut_stmt only).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
THREADS=${BENCH_THREADS:-2}
ALTER="ADD COLUMN x INT NOT NULL DEFAULT 0"
bash scripts/setup.sh >/dev/null
need=()
command -v sysbench >/dev/null || need+=(sysbench)
command -v pt-online-schema-change >/dev/null || need+=(percona-toolkit)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y --no-install-recommends "${need[@]}" >/dev/null
fi
bazel build -c opt //tests/harness:sidecut_mariadb //tablet:sidecutd //cli:sidecut //bench:write_probe >/dev/null 2>&1
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"
work=$(mktemp -d "${TMPDIR:-/tmp}/sidecut-bench.XXXXXX")
pids=()
cleanup() {
  local i  # newest first: the daemon before the server it talks to
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; done
  if [ -n "${BENCH_KEEP:-}" ]; then mkdir -p "$BENCH_KEEP" && cp "$work"/*.log "$work"/*.out "$work"/*.err "$BENCH_KEEP"/ 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# BENCH_MYSQLD_OPTS: extra server settings, comma-separated (e.g.
# innodb_log_file_size=1G,innodb_io_capacity=2000).
"$BIN/tests/harness/sidecut_mariadb" --bench --env_file="$work/env" \
  ${BENCH_MYSQLD_OPTS:+--mysqld_option="$BENCH_MYSQLD_OPTS"} >/dev/null &
pids+=($!)
for _ in $(seq 1 600); do [ -f "$work/env" ] && break; sleep 0.1; done
. "$work/env"
sql() { mariadb --protocol=tcp -h127.0.0.1 -P"$MDB0_PORT" -uroot "$@"; }
now() { date +%s.%N; }
SB=(sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$MDB0_PORT"
  --mysql-user=root --mysql-db=sbtest --tables=1 --table-size="$ROWS" --db-ps-mode=disable)
sql -e "CREATE DATABASE sbtest"
echo "bench: preparing a $ROWS-row sysbench table"
"${SB[@]}" prepare >/dev/null
sql -e "ANALYZE TABLE sbtest.sbtest1" >/dev/null

# use_sidecutd [FLAGS...]: a sidecutd for this server with these flags
# (restarted when they differ: two daemons must not share a tablet); its
# address in SERVER, its pid in SIDECUTD.
SIDECUTD=""; SIDECUTD_FLAGS="-"
use_sidecutd() {
  if [ -n "$SIDECUTD" ] && [ "$SIDECUTD_FLAGS" = "$*" ]; then return; fi
  if [ -n "$SIDECUTD" ]; then kill "$SIDECUTD"; wait "$SIDECUTD" 2>/dev/null || true; fi
  rm -f "$work/port"
  "$BIN/tablet/sidecutd" --mysql_port="$MDB0_PORT" --db=sbtest --port=0 --tick_ms=100 \
    --copy_niceness="${SIDECUT_NICENESS:-0}" \
    --defer_secondary_indexes="${SIDECUT_DEFER_INDEXES:-true}" ${SIDECUT_FLAGS:-} "$@" \
    --port_file="$work/port" 2>>"$work/sidecutd.log" &
  SIDECUTD=$!
  pids+=($!)
  SIDECUTD_FLAGS="$*"
  for _ in $(seq 1 300); do [ -s "$work/port" ] && break; sleep 0.1; done
  SERVER="127.0.0.1:$(cat "$work/port")"
}
use_sidecutd

probe_start() {
  "$BIN/bench/write_probe" --port="$MDB0_PORT" --db=sbtest --table=sbtest1 \
    --max_id="$ROWS" --rate=100 --slow_ms=100 --out="$work/probe" 2>>"$work/probe.err" &
  probe=$!
}
probe_stop() { kill "$probe"; wait "$probe" 2>/dev/null || true; }
load=""
load_start() {  # load_start [RATE]: sysbench at full speed, or paced at RATE tps
  load_rate=${1:-0}
  "${SB[@]}" --threads="$THREADS" --rate="$load_rate" --time=3600 --report-interval=1 run >"$work/load" 2>&1 &
  load=$!
  load_t0=$(now)
  sleep 3  # warm up
}
load_stop() { kill "$load" 2>/dev/null || true; wait "$load" 2>/dev/null || true; load=""; }
# A paced sysbench queues the transactions it could not start on time and
# runs them as soon as it can: after a method that held writes up, at full
# speed until the queue drains. Each run starts with an empty queue (and
# sysbench ends when its queue fills, below).
load_drained() {
  local i q
  [ -n "$load" ] && [ "${load_rate:-0}" != 0 ] || return 0
  for i in $(seq 1 240); do
    q=$(grep -o 'queue length: [0-9]*' "$work/load" | tail -n 1 | grep -o '[0-9]*$' || true)
    [ "$q" = 0 ] && return 0
    load_died && return 0
    sleep 0.5
  done
  echo "bench:   the load's queue did not drain in 2 minutes (still $q)"
}
# sysbench ends at an error it does not ignore (a table renamed away under
# it): the run it ended in does not count, and the load starts again.
load_died() { [ -n "$load" ] && ! kill -0 "$load" 2>/dev/null; }
load_restart() {
  echo "bench:   the load (sysbench) had ended; restarted. It said:" \
    "$(grep -v '^\[' "$work/load" | grep -v '^$' | tail -n 2 | tr '\n' ' ')"
  cat "$work/load" >>"$work/load.died"
  load_stop; load_start "$load_rate"
}
# Average tps of the sysbench reports between two absolute times.
tps_between() {
  python3 - "$work/load" "$load_t0" "$1" "$2" <<'PY'
import re, sys
path, t0, a, b = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
vals = [float(m.group(2)) for m in (re.search(r"\[ (\d+)s \].*tps: ([\d.]+)", l) for l in open(path)) if m
        and a - t0 <= int(m.group(1)) <= b - t0 + 1]
print("%.0f" % (sum(vals) / len(vals)) if vals else "0")
PY
}
reset_table() {  # back to the original schema, outside the timings
  sql -e "ALTER TABLE sbtest.sbtest1 DROP COLUMN IF EXISTS x" >/dev/null
}

run_native() { sql -e "ALTER TABLE sbtest.sbtest1 $ALTER, ALGORITHM=COPY"; }
run_ptosc() {
  pt-online-schema-change --alter "$ALTER" D=sbtest,t=sbtest1,h=127.0.0.1,P="$MDB0_PORT",u=root \
    --recursion-method=none --execute --no-check-unique-key-change >"$work/ptosc.log" 2>&1 ||
    { echo "bench: pt-online-schema-change failed:"; tail -3 "$work/ptosc.log"; }
}
# Method ptosc_gentle: pt-osc throttled the way a DBA protects a busy
# server (PTOSC_GENTLE_FLAGS, default "--chunk-time=0.1 --sleep=0.2":
# short chunks with pauses between them), to compare at similar tps kept.
run_ptosc_gentle() {
  pt-online-schema-change --alter "$ALTER" D=sbtest,t=sbtest1,h=127.0.0.1,P="$MDB0_PORT",u=root \
    --recursion-method=none --execute --no-check-unique-key-change \
    ${PTOSC_GENTLE_FLAGS:---chunk-time=0.1 --sleep=0.2} >"$work/ptosc.log" 2>&1 ||
    { echo "bench: pt-online-schema-change failed:"; tail -3 "$work/ptosc.log"; }
}
# Method sidecut_stmt: Sidecut with --statement_copy (chunks logged as
# statements).
before_sidecut() { use_sidecutd; }
before_sidecut_stmt() { use_sidecutd --statement_copy ${SIDECUT_STMT_FLAGS:-}; }
run_sidecut_stmt() { run_sidecut; }
after_sidecut_stmt() { after_sidecut; }
# Method sidecut_prio: Sidecut with the copy and the index build ahead of
# the foreground (--copy_niceness, default -5; sidecutd needs CAP_SYS_NICE).
before_sidecut_prio() { use_sidecutd --copy_niceness="${SIDECUT_PRIO_NICENESS:--5}"; }
run_sidecut_prio() { run_sidecut; }
after_sidecut_prio() { after_sidecut; }
# Method sidecut_alt: Sidecut with SIDECUT_ALT_FLAGS (for tuning, side by
# side with the defaults).
before_sidecut_alt() { use_sidecutd ${SIDECUT_ALT_FLAGS:-}; }
run_sidecut_alt() { run_sidecut; }
after_sidecut_alt() { after_sidecut; }
# Method sidecut_inline: Sidecut building the shadow's secondary indexes
# during the copy (--defer_secondary_indexes=false).
before_sidecut_inline() { use_sidecutd --defer_secondary_indexes=false; }
run_sidecut_inline() { run_sidecut; }
after_sidecut_inline() { after_sidecut; }
run_sidecut() {
  # Gives up after SIDECUT_LIMIT seconds (default 180): under a load its
  # stream cannot keep up with, the cut-over stays postponed.
  timeout "${SIDECUT_LIMIT:-180}" "$BIN/cli/sidecut" --server="$SERVER" ApplySchema \
    --ddl-strategy=vitess --wait --poll-ms=50 \
    --sql="ALTER TABLE sbtest1 $ALTER" sbtest |
    # Timestamps each line as it arrives (perl starts in milliseconds, where
    # python3 took over a second on the loaded machine).
    T0=$(now | tee "$work/sidecut.t0") perl -MTime::HiRes=time -ne '$| = 1; printf "%6.2f %s", time - $ENV{T0}, $_' \
      >"$work/sidecut.out" || true
}
after_sidecut() {  # outside the timing: the migration has ended
  local uuid status stage
  uuid=$(grep -o ' [0-9a-f_]\{36\} ' "$work/sidecut.out" | tail -n1 | tr -d ' ')
  status=$(sql -N -e "SELECT migration_status FROM _vt.schema_migrations WHERE migration_uuid = '$uuid'")
  if [ "$status" != complete ]; then
    echo "bench:   sidecut did not complete within ${SIDECUT_LIMIT:-180} s ($status); cancelling" >&2
    "$BIN/cli/sidecut" --server="$SERVER" OnlineDDL cancel sbtest "$uuid" >/dev/null || true
  fi
  stage=$(sql -N -e "SELECT stage FROM _vt.schema_migrations WHERE migration_uuid = '$uuid'")
  echo "bench:   sidecut: $stage" >&2
  python3 - "$work/sidecut.out" >&2 <<'PY'  # when each stage was first seen
import re, sys
seen, out = set(), []
for line in open(sys.argv[1]):
    m = re.match(r"\s*([\d.]+) \S+ \S+ .* ETA \S+  (.*)", line)
    if m:
        stage = re.sub(r"\s*\(\d+s\)|; lag \d+s|writes stalled.*", "", m.group(2)).strip()
        # A verification's progress ("verifying the copy (N of ~M rows, Ts)")
        # counts as one stage.
        # (also beside an index build: a stage of its own).
        stage = re.sub(r"^(verifying the \w+( \w+)?) \([^)]*\)", r"\1", stage)
        if stage and stage not in seen:
            seen.add(stage)
            out.append("%s %s" % (m.group(1), stage))
print("bench:   sidecut stages (s from start): " + ", ".join(out))
PY
  # The probe's slow writes (over 100 ms) during the run, on the same clock.
  python3 - "$work/sidecut.t0" "$work/probe.err" >&2 <<'PY'
import re, sys
t0 = float(open(sys.argv[1]).read())
slow = []
for line in open(sys.argv[2]):
    m = re.match(r"write_probe: slow write at ([\d.]+): (\d+) ms", line)
    if m and float(m.group(1)) >= t0:
        slow.append("%.2f %s ms" % (float(m.group(1)) - t0, m.group(2)))
print("bench:   sidecut slow writes (s from start): " + (", ".join(slow) or "none"))
PY
  # Where the copy spent its time (sidecutd logs it when a table is copied).
  grep -o 'copied .*' "$work/sidecutd.log" | tail -n1 | sed 's/^/bench:   /' >&2 || true
  "$BIN/cli/sidecut" --server="$SERVER" OnlineDDL cleanup sbtest "$uuid" >/dev/null
}

declare -A T TPS STALL FAIL
cpu_s() {  # CPU seconds (user + system) a process has used
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}
measure() {  # measure <scenario> <method>; once more if the load died
  measure_once "$@"
  if [ "$lost" = 1 ]; then load_restart; measure_once "$@"; fi
  if [ "$lost" = 1 ]; then load_restart; fi  # not counted
}
measure_once() {  # sets lost=1 (and records nothing) if the load died
  lost=0
  if load_died; then load_restart; fi
  load_drained
  if declare -F "before_$2" >/dev/null; then "before_$2"; fi
  probe_start
  local t0 t1 c0 c1
  local daemon=$SIDECUTD
  c0=$(cpu_s "$daemon")
  local perf_pid=""
  if [ -n "${BENCH_PERF:-}" ]; then  # a system-wide profile of each run
    perf record -a -g -F 499 -o "$BENCH_PERF.$1.$2.data" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  t0=$(now); "run_$2"; t1=$(now)
  if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
  c1=$(cpu_s "$daemon")
  if declare -F "after_$2" >/dev/null; then "after_$2"; fi
  probe_stop
  if [ "$1" != idle ] && load_died; then
    echo "bench: $1 $2: the load ended during this run; it does not count"
    lost=1; sleep 2; reset_table; sleep 1; return
  fi
  local t stall fail tps=-
  t=$(python3 -c "print('%.2f' % ($t1 - $t0))")
  stall=$(sed -n 's/.*max_ms=\([0-9]*\).*/\1/p' "$work/probe")
  fail=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' "$work/probe")
  if [ "$1" != idle ]; then tps=$(tps_between "$t0" "$t1"); fi
  # Lists over the repeats (BENCH_REPEAT).
  T[$1.$2]+="$t "; STALL[$1.$2]+="$stall "; FAIL[$1.$2]+="$fail "; TPS[$1.$2]+="$tps "
  echo "bench: $1 $2: $t s, max write $stall ms, $fail failed, tps $tps," \
    "sidecutd CPU $(python3 -c "print('%.2f' % ($c1 - $c0))") s"
  sleep 2; reset_table; sleep 1
}

# BENCH_METHODS / BENCH_SCENARIOS narrow a run (e.g. while tuning one method);
# the baselines are always measured.
METHODS=(${BENCH_METHODS:-native ptosc sidecut sidecut_stmt sidecut_prio})
SCENARIOS=" ${BENCH_SCENARIOS:-idle load paced} "  # "paced" = every paced level
has() { [[ "$SCENARIOS" == *" $1 "* ]]; }
# BENCH_REPEAT=N runs every method N times per scenario, alternating
# (native, pt-osc, Sidecut, native, ...), so that a slow moment of a shared
# machine does not fall on one method only; the table shows medians.
REPEAT=${BENCH_REPEAT:-1}
measure_all() {
  local r m
  for ((r = 0; r < REPEAT; r++)); do for m in "${METHODS[@]}"; do measure "$1" "$m"; done; done
}
median() {  # median "<values>" [printf format]
  python3 -c "import statistics, sys; v = [float(x) for x in sys.argv[2:] if x != '-']; print((sys.argv[1] % statistics.median(v)) if v else '-')" "${2:-%.2f}" $1
}
baseline() {  # baseline [RATE]: starts the load; its tps over 10 s in BASELINE
  load_start "${1:-0}"
  sleep 10
  BASELINE=$(tps_between "$(python3 -c "print($(now) - 10)")" "$(now)")
}
if has idle; then measure_all idle; fi
baseline
base=$BASELINE
echo "bench: baseline $base tps ($THREADS sysbench threads)"
if has load; then measure_all load; fi
load_stop
# Servers with headroom, as production servers run: the same load paced at
# each of PACED_PCT (default "50 25") percent of the full-speed rate.
declare -A BASE=([load]=$base) RATE
ALL=(idle load)
for pct in ${PACED_PCT:-50 25}; do
  s=paced$pct
  ALL+=("$s")
  has "$s" || has paced || continue
  RATE[$s]=$(python3 -c "print(max(1, int($base * $pct / 100)))")
  baseline "${RATE[$s]}"
  BASE[$s]=$BASELINE
  echo "bench: $s baseline ${BASE[$s]} tps (sysbench --rate=${RATE[$s]})"
  measure_all "$s"
  load_stop
done

echo
printf '%-8s %-12s %9s %10s %12s %12s %9s %s\n' scenario method total_s vs_native tps tps_%base max_wr_ms failed
for s in "${ALL[@]}"; do
  [ -n "${T[$s.${METHODS[0]}]:-}" ] || continue
  for m in "${METHODS[@]}"; do
    t=$(median "${T[$s.$m]}"); tps=$(median "${TPS[$s.$m]}" %.0f)
    if [ -n "${T[$s.native]:-}" ]; then ratio=$(python3 -c "print('%.2f' % ($t / $(median "${T[$s.native]}")))"); else ratio=-; fi
    if [ "$s" != idle ]; then pct=$(python3 -c "print('%.0f%%' % (100 * $tps / max(${BASE[$s]}, 1)))"); else pct=-; tps=-; fi
    stall=$(python3 -c "import sys; print(max(int(x) for x in sys.argv[1:]))" ${STALL[$s.$m]})
    fail=$(python3 -c "import sys; print(sum(int(x) for x in sys.argv[1:]))" ${FAIL[$s.$m]})
    printf '%-8s %-12s %9s %10s %12s %12s %8s %s\n' "$s" "$m" "$t" "${ratio}x" "$tps" "$pct" "$stall" "$fail"
  done
  for p in ptosc ptosc_gentle; do for m in sidecut sidecut_stmt sidecut_prio; do
    if [ "$REPEAT" -gt 1 ] && [ -n "${T[$s.$p]:-}" ] && [ -n "${T[$s.$m]:-}" ]; then
      python3 - "$s" "$m" "${T[$s.$p]}" "${T[$s.$m]}" "$p" <<'PY'
import sys
p, c = [float(x) for x in sys.argv[3].split()], [float(x) for x in sys.argv[4].split()]
wins = sum(1 for a, b in zip(p, c) if b < a)
print("%-8s %s faster than %s in %d of %d rounds (%s %s; %s %s)" % (
    sys.argv[1], sys.argv[2], sys.argv[5], wins, len(p), sys.argv[5],
    " ".join("%.2f" % x for x in p), sys.argv[2], " ".join("%.2f" % x for x in c)))
PY
    fi
  done; done
done
echo "(vs_native: time relative to native ALGORITHM=COPY; lower is faster; tps_%base: foreground"
echo " tps during the ALTER as a share of the scenario's baseline; load: $THREADS sysbench threads"
echo " at full speed, $base tps; pacedN: the same at N% of that rate; with BENCH_REPEAT the median"
echo " time and tps, the longest write and the failed writes of all repeats)"
