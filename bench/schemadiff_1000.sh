#!/usr/bin/env bash
# Benchmark: diff and order two 1,000-table schemas (100 views, foreign
# keys; 100 tables changed, 10 views changed) with sidecut_schemadiff, and,
# when skeema is installable, `skeema diff` on the same pair against a
# throwaway MariaDB 10.11 (the peer). Prints both times and the ratio.
#
#   bash bench/schemadiff_1000.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build -c opt //schemadiff:sidecut_schemadiff >/dev/null 2>&1
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"
bazel build //tests/harness:sidecut_mariadb >/dev/null 2>&1
HBIN="$(bazel info bazel-bin 2>/dev/null)"
work=$(mktemp -d "${TMPDIR:-/tmp}/sidecut-sdbench.XXXXXX")
hp=""
cleanup() {
  if [ -n "$hp" ]; then kill "$hp" 2>/dev/null || true; wait "$hp" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# gen VARIANT: the schema; VARIANT=to changes every 10th table (wider
# column, new column, new index; every 100th also gets a new foreign key)
# and every 10th view (reads the new column).
gen() {
  awk -v to="$1" 'BEGIN {
    for (i = 1; i <= 1000; i++) {
      ch = (to == "to" && i % 10 == 0)
      printf "CREATE TABLE t%04d (\n  id int NOT NULL,\n  parent_id int DEFAULT NULL,\n", i
      printf "  name varchar(%d) DEFAULT NULL,\n  v int NOT NULL DEFAULT 0,\n", ch ? 128 : 64
      if (ch) printf "  extra bigint DEFAULT NULL,\n  other_id int DEFAULT NULL,\n"
      printf "  PRIMARY KEY (id),\n  KEY parent_idx (parent_id)"
      if (ch) printf ",\n  KEY name_v_idx (name, v),\n  KEY other_idx (other_id)"
      if (i % 5 == 0) printf ",\n  CONSTRAINT t%04d_fk FOREIGN KEY (parent_id) REFERENCES t%04d (id)", i, i - 1
      if (ch && i % 100 == 0) printf ",\n  CONSTRAINT t%04d_ofk FOREIGN KEY (other_id) REFERENCES t%04d (id)", i, i - 50
      printf "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
    }
    for (j = 1; j <= 100; j++) {
      t = j * 10
      vch = (to == "to" && j % 10 == 0)
      printf "CREATE VIEW v%03d AS SELECT id, name%s FROM t%04d;\n", j, vch ? ", extra" : "", t
    }
  }'
}
mkdir -p "$work/from" "$work/to"
gen from >"$work/from/schema.sql"
gen to >"$work/to/schema.sql"

# median_time N CMD...: runs CMD once to warm caches, then N times; prints
# the median wall time in seconds. Both tools are timed alike.
median_time() {
  local n=$1; shift
  "$@" >/dev/null 2>&1 || true
  local times=()
  for _ in $(seq 1 "$n"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]/1e6}'
}

# The Bazel server keeps a core busy for a while after a command: stop it
# (both binaries are built) so that it does not share the timed runs.
bazel shutdown >/dev/null 2>&1 || true
"$BIN/schemadiff/sidecut_schemadiff" --from="$work/from" --to="$work/to" >"$work/ours.sql"
ours=$(median_time 7 "$BIN/schemadiff/sidecut_schemadiff" --from="$work/from" --to="$work/to")
echo "sidecut_schemadiff: $(grep -c ';$' "$work/ours.sql") statements in ${ours}s (median of 7 runs)"

if ! command -v skeema >/dev/null 2>&1; then
  (apt-get install -y skeema || sudo -n apt-get install -y skeema) >/dev/null 2>&1 || true
fi
if ! command -v skeema >/dev/null 2>&1; then
  echo "peer not run: skeema is not installed and could not be installed"
  exit 0
fi
"$HBIN/tests/harness/sidecut_mariadb" --env_file="$work/env" >/dev/null &
hp=$!
for _ in $(seq 1 600); do [ -s "$work/env" ] && break; sleep 0.1; done
. "$work/env"
sql() { mariadb --protocol=tcp -h127.0.0.1 -P"$MDB0_PORT" -u"$MDB0_USER" "$@"; }
sql -e "CREATE DATABASE bench"
(echo "SET foreign_key_checks=0;"; cat "$work/from/schema.sql") | sql bench
mkdir -p "$work/skeema/bench"
cp "$work/to/schema.sql" "$work/skeema/bench/"
printf 'host=127.0.0.1\nport=%s\nuser=%s\n' "$MDB0_PORT" "$MDB0_USER" >"$work/skeema/.skeema"
printf 'schema=bench\n' >"$work/skeema/bench/.skeema"
(cd "$work/skeema" && skeema diff --allow-unsafe >"$work/peer.sql" 2>"$work/peer.err") || true
if ! grep -qi "alter table" "$work/peer.sql"; then
  echo "peer not run properly: skeema diff printed no ALTER TABLE:"
  tail -5 "$work/peer.err"
  exit 0
fi
peer=$(cd "$work/skeema" && median_time 3 skeema diff --allow-unsafe)
echo "skeema diff: $(grep -ci '^alter table\|^create\|^drop' "$work/peer.sql") statements in ${peer}s (median of 3 runs)"
python3 -c "print(f'ratio (skeema / sidecut): {$peer / max($ours, 1e-6):.1f}x')"
