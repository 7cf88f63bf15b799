#!/usr/bin/env bash
# Installs what Sidecut needs to build, test and run its demo, and nothing
# that is already there. Idempotent: a second run installs nothing.
set -euo pipefail

PACKAGES=(
  # Build: Debian's Bazel 4 and the -dev packages bound in third_party/.
  bazel-bootstrap bazel-rules-java g++ pkg-config
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  default-libmysqlclient-dev
  # The real database for integration tests, the demo and benchmarks.
  mariadb-server mariadb-client
  # The controller's optional topology/state store and leader election.
  etcd-server
  # Tools the scripts use.
  util-linux tar python3 clang-format git
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present, nothing to install"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# A packaged mariadb-server may try to start a system service; Sidecut never
# uses it (the harness starts its own throwaway instances).
echo "setup: done"
