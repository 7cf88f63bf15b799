#!/bin/sh
echo "bazel coverage is not available in Sidecut's offline build; use gcov directly" >&2
exit 1
