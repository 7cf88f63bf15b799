#!/usr/bin/env bash
# Fails if any tracked C++ file differs from what clang-format (.clang-format,
# Google style) would write. Fix with: git ls-files '*.cc' '*.h' | xargs clang-format -i
set -uo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h')
[ ${#files[@]} -eq 0 ] && exit 0
bad=()
for f in "${files[@]}"; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if [ ${#bad[@]} -ne 0 ]; then
  echo "check_format: not clang-formatted: ${bad[*]}"
  exit 1
fi
echo "check_format: ${#files[@]} files clean"
