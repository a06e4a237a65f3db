#!/bin/bash
# Builds one of bench/'s C programs against the addon's kernels and runs it with the arguments after
# it: bash bench/cc.sh bench/gemm-blas.c [args...]. The binary goes to /tmp (the same flags as
# binding.gyp's: -O3 -march=native); the kernels need native/gen/ops_list.h, made by gen-ops.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] && [ -f "$1" ] || { echo "usage: bash bench/cc.sh bench/<program>.c [args...]" >&2; exit 2; }
src=$1
shift
node scripts/gen-ops.mjs >/dev/null
d=native/kernels
out=/tmp/dlgrad-$(basename "$src" .c)
cc -std=c11 -O3 -march=native -fno-math-errno -fno-trapping-math -ffp-contract=off -D_GNU_SOURCE -pthread -I$d \
  "$src" $d/matmul.c $d/threads.c $d/mempool.c $d/elementwise.c $d/iter.c native/machine.c -o "$out" -lm -ldl
exec "$out" "$@"
