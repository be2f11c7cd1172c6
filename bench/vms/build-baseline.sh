#!/usr/bin/env bash
# Builds mvisor as it was at a given commit (the no-regression baseline of make bench-vms) from
# this repository's history, outside the work tree: git archive of REV into DIR/src, then its own
# make. Done once per commit; DIR/mvisor is the result.
#
#   bench/vms/build-baseline.sh REV DIR
set -euo pipefail
(($# == 2)) || { echo "usage: $0 REV DIR" >&2; exit 1; }
rev=$1 dir=$2
cd "$(dirname "$0")/../.."
full=$(git rev-parse --verify "$rev^{commit}")
if [[ -x $dir/mvisor && "$(cat "$dir/rev" 2>/dev/null)" == "$full" ]]; then
    exit 0
fi
rm -rf "$dir"
mkdir -p "$dir/src"
git archive "$full" | tar -x -C "$dir/src"
echo "bench-vms: building the baseline mvisor at ${full:0:12} in $dir/src"
make -C "$dir/src" -j2 build/mvisor >"$dir/build.log" 2>&1 || {
    tail -20 "$dir/build.log" >&2
    echo "bench-vms: the baseline build failed ($dir/build.log)" >&2
    exit 1
}
cp "$dir/src/build/mvisor" "$dir/mvisor"
echo "$full" >"$dir/rev"
