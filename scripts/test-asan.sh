#!/usr/bin/env bash
# npm run test:asan: the addon built with AddressSanitizer and UndefinedBehaviorSanitizer, and the
# test files that drive the C kernels run against it. Works on a copy of the committed tree in a
# temporary folder (the normal build/ is left alone). node itself is not instrumented, so the ASan
# runtime is preloaded; leak detection is off (V8 keeps memory until exit by design).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git -C "$repo" archive HEAD | tar -x -C "$tmp"
ln -s "$repo/node_modules" "$tmp/node_modules"
cd "$tmp"
node scripts/gen-ops.mjs
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
# npm puts its own node-gyp on the PATH of `npm run`; called directly, use the one npm ships
gyp="node-gyp"
command -v node-gyp > /dev/null || gyp="node $(npm prefix -g)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" \
  $gyp rebuild --nodedir="${npm_config_nodedir:-/usr}" > build.log 2>&1 || { tail -20 build.log; exit 1; }
npx --no-install tsc -p .
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export DLGRAD_REQUIRE_CPU=1
export DLGRAD_WASM=0 # the wasm backend runs in V8, which ASan does not instrument: its tests would only double the time
node --test --test-concurrency=1 dist/test/native.test.js dist/test/ops.test.js dist/test/fused.test.js \
  dist/test/bad-input.test.js dist/test/fuzz.test.js dist/test/gradcheck.test.js dist/test/nn.test.js \
  dist/test/layers2.test.js dist/test/losses.test.js dist/test/edge.test.js dist/test/optim.test.js \
  dist/test/scansort.test.js
