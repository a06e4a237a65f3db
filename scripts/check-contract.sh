#!/bin/sh
# Shows that the op lists of src/prims.ts are a compile-time contract. In a temp copy of the repo:
#   1. a unary op added to src/prims.ts only: the C compile of elementwise.c fails (no C arm);
#   2. the same copy: tsc fails (no js kernel, no gradient rule);
#   3. a C arm added to native/kernels/ops.h only: the C compile fails (no TS name).
# Exits 0 when all three fail as they must (and the untouched copy compiles), 1 otherwise.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && git ls-files -co --exclude-standard | grep -v '^node_modules' | tar -cf - -T -) | tar -xf - -C "$tmp"
ln -s "$root/node_modules" "$tmp/node_modules"
cd "$tmp" || exit 1
cc_ew() { node scripts/gen-ops.mjs && ${CC:-cc} -std=c11 -fsyntax-only -D_GNU_SOURCE native/kernels/elementwise.c; }
fail() { echo "check-contract: FAIL: $1"; exit 1; }

cc_ew || fail "the untouched copy does not compile"

sed -i 's/export const UNARY_OPS = \[/export const UNARY_OPS = [ "fakeop",/' src/prims.ts
grep -q '"fakeop"' src/prims.ts || fail "could not add a name to UNARY_OPS (has src/prims.ts changed format?)"
if cc_ew 2>cc.txt; then fail "elementwise.c compiled with a unary op that has no C arm"; fi
echo "1. UNARY_OPS gained \"fakeop\" without a C arm: the C compile fails"
grep -m 3 error cc.txt | sed 's/^/     /'

if npx tsc -p . --noEmit >tsc.txt 2>&1; then fail "tsc passed with a unary op that no backend implements"; fi
echo "2. ... and tsc fails"
grep -m 4 error tsc.txt | sed 's/^/     /'

cp "$root/src/prims.ts" src/prims.ts
sed -i 's/  X(floor, 18, floorf(x), x)/  X(floor, 18, floorf(x), x) X(fakeop, 18, x, x)/' native/kernels/ops.h
grep -q 'X(fakeop' native/kernels/ops.h || fail "could not add an arm to native/kernels/ops.h"
if cc_ew 2>cc.txt; then fail "elementwise.c compiled with a C arm that has no TS name"; fi
echo "3. ops.h gained a \"fakeop\" arm that src/prims.ts does not name: the C compile fails"
grep -m 3 error cc.txt | sed 's/^/     /'
echo "check-contract: ok"
