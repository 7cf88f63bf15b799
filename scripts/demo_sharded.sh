#!/usr/bin/env bash
# The sharded demo: a 2-shard keyspace (two throwaway MariaDB instances, a
# sidecutd beside each, two sidecut-ctld sharing an etcd) runs a gated
# multi-table deployment under writes on both shards: two ALTERs and a
# CREATE TABLE, one migration UUID per statement across the shards. The
# CLI talks to the follower controller, which forwards to the leader; the
# leader is killed (SIGKILL) mid-deployment: the follower is elected and
# resumes the deployment from etcd; the dead one restarts as a follower.
# Every ALTER
# swaps on both shards together in a two-phase cut-over (the skew between
# the shards is reported); checksums verify every row; then the deployment
# is reverted as a unit, keeping the rows written meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${DEMO_ROWS:-100000}
bash scripts/setup.sh >/dev/null
bazel build //tests/harness:sidecut_mariadb //tablet:sidecutd //cli:sidecut \
  //controller:sidecut-ctld >/dev/null 2>&1 ||
  bazel build //tests/harness:sidecut_mariadb //tablet:sidecutd //cli:sidecut \
    //controller:sidecut-ctld
BIN="$(bazel info bazel-bin 2>/dev/null)"

work=$(mktemp -d "${TMPDIR:-/tmp}/sidecut-sharded.XXXXXX")
pids=()
writers=()
ctlds=()
cleanup() {
  for p in "${writers[@]}" "${ctlds[@]}" "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${writers[@]}" "${ctlds[@]}" "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$BIN/tests/harness/sidecut_mariadb" --instances=2 --env_file="$work/mdb.env" >/dev/null &
pids+=($!)
for _ in $(seq 1 600); do [ -f "$work/mdb.env" ] && break; sleep 0.1; done
[ -f "$work/mdb.env" ] || { echo "sharded demo: MariaDB did not start"; exit 1; }
. "$work/mdb.env"
PORTS=("$MDB0_PORT" "$MDB1_PORT")
SHARDS=("-80" "80-")
sql() { local s=$1; shift; mariadb --protocol=tcp -h127.0.0.1 -P"${PORTS[$s]}" -uroot "$@"; }

for s in 0 1; do
  sql "$s" -e "CREATE DATABASE shop;
    CREATE TABLE shop.customers (id BIGINT PRIMARY KEY AUTO_INCREMENT,
      name VARCHAR(64) NOT NULL, score INT, notes VARCHAR(64) DEFAULT 'n');
    CREATE TABLE shop.orders (id BIGINT PRIMARY KEY AUTO_INCREMENT,
      name VARCHAR(64) NOT NULL, score INT);
    CREATE VIEW shop.top_customers AS SELECT id, name, score FROM shop.customers WHERE score > 990;
    INSERT INTO shop.customers (name, score)
      SELECT CONCAT('c', seq), seq % 1000 FROM shop.seq_1_to_$ROWS;
    INSERT INTO shop.orders (name, score)
      SELECT CONCAT('o', seq), seq % 500 FROM shop.seq_1_to_$ROWS;"
  "$BIN/tablet/sidecutd" --mysql_port="${PORTS[$s]}" --db=shop --keyspace=commerce \
    --shard="${SHARDS[$s]}" --port=0 --port_file="$work/sidecutd$s.port" \
    2>"$work/sidecutd$s.log" &
  pids+=($!)
done
for s in 0 1; do
  for _ in $(seq 1 300); do [ -s "$work/sidecutd$s.port" ] && break; sleep 0.1; done
  [ -s "$work/sidecutd$s.port" ] || { echo "sharded demo: sidecutd $s did not start"; cat "$work/sidecutd$s.log"; exit 1; }
done
cat >"$work/topology.textproto" <<TOPO
keyspaces {
  name: "commerce"
  shards { name: "-80" tablet: "127.0.0.1:$(cat "$work/sidecutd0.port")" }
  shards { name: "80-" tablet: "127.0.0.1:$(cat "$work/sidecutd1.port")" }
}
TOPO
echo "sharded demo: keyspace commerce, shards -80 and 80- on MariaDB" \
  "127.0.0.1:${PORTS[0]} and 127.0.0.1:${PORTS[1]}, $ROWS rows per table per shard"

# etcd: the controllers' shared topology, deployments and leader election.
read -r ETCD_PORT ETCD_PEER < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
/usr/bin/etcd --name=demo --data-dir="$work/etcd" --log-level=error \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER" \
  --initial-cluster="demo=http://127.0.0.1:$ETCD_PEER" 2>"$work/etcd.log" &
pids+=($!)
for _ in $(seq 1 300); do
  python3 -c "import urllib.request,sys; sys.exit(b'\"true\"' not in urllib.request.urlopen('http://127.0.0.1:$ETCD_PORT/health', timeout=1).read())" 2>/dev/null && break
  sleep 0.1
done
ETCD="127.0.0.1:$ETCD_PORT"

# start_ctld NAME [--topology=FILE]: a controller on etcd; the first one
# publishes the topology there, the others read it from etcd.
declare -A CTLD CTLD_PID
start_ctld() {
  local n=$1; shift
  rm -f "$work/ctld-$n.port"
  "$BIN/controller/sidecut-ctld" --etcd="$ETCD" --election_ttl_s=3 "$@" \
    --port=0 --port_file="$work/ctld-$n.port" 2>>"$work/ctld-$n.log" &
  ctlds+=($!)
  CTLD_PID[$n]=$!
  for _ in $(seq 1 300); do [ -s "$work/ctld-$n.port" ] && break; sleep 0.1; done
  [ -s "$work/ctld-$n.port" ] || { echo "sharded demo: sidecut-ctld $n did not start"; cat "$work/ctld-$n.log"; exit 1; }
  CTLD[$n]="127.0.0.1:$(cat "$work/ctld-$n.port")"
}
is_leader() { grep -q "${CTLD[$1]} is the leader" "$work/ctld-$1.log"; }
start_ctld a --topology="$work/topology.textproto"
for _ in $(seq 1 100); do is_leader a && break; sleep 0.1; done
is_leader a || { echo "sharded demo: sidecut-ctld a was not elected"; cat "$work/ctld-a.log"; exit 1; }
start_ctld b
echo "sharded demo: etcd on $ETCD; sidecut-ctld a on ${CTLD[a]} (leader)," \
  "sidecut-ctld b on ${CTLD[b]} (follower: forwards to the leader)"
SERVER=${CTLD[b]}
sidecut() { "$BIN/cli/sidecut" --server="$SERVER" "$@"; }

start_writer() {  # shard
  python3 - "${PORTS[$1]}" "$ROWS" "$work/writer.$1" <<'PY' &
import os, random, subprocess, sys, time
port, rows, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
p = subprocess.Popen(["mariadb", "--protocol=tcp", "-h127.0.0.1", "-P" + port,
                      "-uroot", "--force", "-N", "shop"],
                     stdin=subprocess.PIPE, stderr=open(out + ".err", "w"),
                     text=True)
n = 0
try:
    while True:
        n += 1
        p.stdin.write(f"INSERT INTO customers (name, score) VALUES ('Savannah{n}', {n % 1000});\n"
                      f"UPDATE customers SET score = score + 1 WHERE id = {random.randint(1, rows)};\n"
                      f"INSERT INTO orders (name, score) VALUES ('new{n}', {n % 500});\n"
                      f"DELETE FROM orders WHERE id = {random.randint(1, rows)};\n")
        p.stdin.flush()
        with open(out + ".tmp", "w") as f:
            f.write(str(4 * n))
        os.replace(out + ".tmp", out)  # never seen half-written
        time.sleep(0.01)
except BrokenPipeError:
    pass
PY
  writers+=($!)
}
stop_writers() {
  for w in "${writers[@]}"; do kill "$w" 2>/dev/null || true; wait "$w" 2>/dev/null || true; done
  writers=()
}

start_writer 0
start_writer 1
echo "sharded demo: writers running on both shards; submitting the deployment"
sidecut ApplySchema --ddl-strategy=vitess --migration-context=deploy1 \
  --sql="ALTER TABLE customers DROP COLUMN notes, ADD COLUMN email VARCHAR(128);
         ALTER TABLE orders ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'new', ADD KEY (score);
         CREATE TABLE coupons (id INT PRIMARY KEY, code VARCHAR(32) NOT NULL)" \
  commerce | sed 's/^/sharded demo: migration /'
sleep 1
sidecut Deployment show commerce deploy1 | sed 's/^/sharded demo: /'
echo "sharded demo: SIGKILL the leader (sidecut-ctld a) mid-deployment"
kill -9 "${CTLD_PID[a]}"; wait "${CTLD_PID[a]}" 2>/dev/null || true
killed=$(date +%s.%N)
for _ in $(seq 1 300); do is_leader b && break; sleep 0.1; done
is_leader b || { echo "sharded demo: sidecut-ctld b was not elected"; cat "$work/ctld-b.log"; exit 1; }
echo "sharded demo: sidecut-ctld b elected leader $(python3 -c "import time; print(round(time.time() - $killed, 1))") s" \
  "after the kill; it resumes the deployment from etcd"
start_ctld a
echo "sharded demo: sidecut-ctld a restarted on ${CTLD[a]} as a follower; waiting for the deployment"
sidecut Deployment show commerce deploy1 --wait | sed 's/^/sharded demo: /' | tee "$work/deploy.out"
grep -qP "^sharded demo: deployment\tdeploy1\t\t\tcomplete" "$work/deploy.out" ||
  { echo "sharded demo: the deployment did not complete"; cat "$work"/ctld-*.log; exit 1; }
# The CLI now talks to the restarted follower, which forwards to b.
SERVER=${CTLD[a]}
stop_writers
sent=()
for s in 0 1; do
  sent[$s]=$(cat "$work/writer.$s")
  echo "sharded demo: shard ${SHARDS[$s]}: writer sent ${sent[$s]} statements," \
    "$(grep -c ERROR "$work/writer.$s.err" || true) failed"
done

cs() { sql "$1" -N -e "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', id, name, score))) FROM shop.\`$2\`"; }
same() {  # shard table other: waits until both match on the shared columns
  for _ in $(seq 1 120); do
    a=$(cs "$1" "$2"); b=$(cs "$1" "$3")
    [ "$a" = "$b" ] && { echo "sharded demo: shard ${SHARDS[$1]}: checksum $2 = $3 = $a"; return 0; }
    sleep 0.25
  done
  echo "sharded demo: shard ${SHARDS[$1]}: MISMATCH $2 ($a) vs $3 ($b)"; return 1
}
for s in 0 1; do
  for t in customers orders; do
    artifact=$(sql "$s" -N -e "SELECT artifacts FROM _vt.schema_migrations
      WHERE migration_context = 'deploy1' AND mysql_table = '$t'")
    same "$s" "$t" "$artifact"
  done
  sql "$s" -N -e "SELECT CONCAT('shard ${SHARDS[$s]}: ', COUNT(*), ' tables: ',
    GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME)) FROM information_schema.TABLES
    WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME NOT LIKE '\_vt%' AND TABLE_NAME NOT LIKE 'seq%'" |
    sed 's/^/sharded demo: /'
done

start_writer 0
start_writer 1
sleep 1
echo "sharded demo: reverting the whole deployment (reverse order, gated across shards)"
sidecut Deployment revert commerce deploy1 --wait | sed 's/^/sharded demo: /' | tee "$work/revert.out"
grep -qP "^sharded demo: deployment\trevert-\S+\t\t\tcomplete" "$work/revert.out" ||
  { echo "sharded demo: the revert did not complete"; exit 1; }
stop_writers
for s in 0 1; do
  sql "$s" -N -e "SELECT CONCAT('shard ${SHARDS[$s]}: customers has notes: ',
      (SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'shop'
        AND TABLE_NAME = 'customers' AND COLUMN_NAME = 'notes'),
      '; coupons exists: ', (SELECT COUNT(*) FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'coupons'),
      '; rows written since the deployment kept: ',
      (SELECT COUNT(*) FROM shop.customers WHERE name LIKE 'Savannah%'))" |
    sed 's/^/sharded demo: /'
  echo "sharded demo: shard ${SHARDS[$s]}: writer sent $(cat "$work/writer.$s") statements," \
    "$(grep -c ERROR "$work/writer.$s.err" || true) failed"
  # Every customer the writers inserted (one per 4 statements; a batch
  # sent as a writer was stopped may not have been counted) is there.
  expected=$(( (sent[s] + $(cat "$work/writer.$s")) / 4 ))
  kept=$(sql "$s" -N -e "SELECT COUNT(*) FROM shop.customers WHERE name LIKE 'Savannah%'")
  if [ "$kept" -lt "$expected" ] || [ "$kept" -gt $((expected + 2)) ]; then
    echo "sharded demo: shard ${SHARDS[$s]}: LOST ROWS: $kept customers inserted, expected $expected"
    exit 1
  fi
  for f in "$work/writer.$s.err"; do
    if grep -q ERROR "$f"; then echo "sharded demo: a write failed:"; head -3 "$f"; exit 1; fi
  done
  sql "$s" -e "SHOW CREATE TABLE shop.customers\G" | grep -q "\`notes\`" ||
    { echo "sharded demo: shard ${SHARDS[$s]}: customers.notes is not back"; exit 1; }
done
echo "sharded demo: done: a gated multi-table deployment across 2 shards, the leading" \
  "controller killed and its deployment finished by the other, and a revert as a" \
  "unit, under live writes"
