#!/usr/bin/env bash
# Sets everything up and runs every test: the whole suite in the default
# build, then again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Ends with one line: "N passed, N failed" (test targets over both runs).
#
#   scripts/test.sh            # everything
#   scripts/test.sh //util/... # a subset
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(//...)

passed=0
failed=0
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/sidecut-test.XXXXXX")
trap 'rm -rf "$log_dir"' EXIT

run_config() {
  local name="$1"; shift
  local log="$log_dir/$name.log"
  echo "== bazel test ($name) ${targets[*]}"
  bazel test --test_summary=short "$@" -- "${targets[@]}" 2>&1 | tee "$log" |
    grep -E '^(//|ERROR:|FAIL|INFO: Build completed|Executed)|error:' || true
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -cE '^//\S+\s+(\(cached\) )?PASSED' "$log" || true)
  f=$(grep -cE '^//\S+\s+.*(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)' "$log" || true)
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "bazel test ($name) exited with $rc before running tests"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
}

if bash scripts/check_format.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

run_config default
run_config asan --config=asan

# The README's demo, scaled down: both parts (one tablet; two shards through
# the controller) must keep working.
echo "== demo (DEMO_ROWS=20000)"
if [ ${#@} -eq 0 ]; then
  if DEMO_ROWS=20000 bash scripts/demo.sh >"$log_dir/demo.log" 2>&1; then
    passed=$((passed + 1)); echo "demo PASSED"
  else
    failed=$((failed + 1)); echo "demo FAILED"; tail -40 "$log_dir/demo.log"
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
