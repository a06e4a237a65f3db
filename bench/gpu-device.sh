#!/bin/bash
# How the real-GPU figures were made: run on a machine with an NVIDIA GPU that has no Node and no
# network (the device machine lent to some sessions), from the repository root, with
#   .gpu/node.xz        xz of this machine's node binary (Node 20)
#   .gpu/dawn.node.xz   xz of node_modules/webgpu/dist/linux-x64/dawn.node
#   .gpu/webgpu/        node_modules/webgpu's index.js, package.json, types.d.ts
#   .gl/*.deb           libvulkan1 and the GL loaders (Debian), if the machine lacks libvulkan
#   dist/               the compiled TypeScript (npx tsc -p .)
# Writes gpu.json (bench/gpu.ts: dlgrad webgpu) and torch.json (bench/gpu_torch.py: PyTorch CUDA)
# into ${OUT:-out}.
set -u
OUT=${OUT:-out}; mkdir -p "$OUT"
if ! ldconfig -p | grep -q libvulkan.so.1; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
unz() { python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$1" "$2"; }
unz .gpu/node.xz /tmp/node && chmod +x /tmp/node
mkdir -p node_modules/webgpu/dist/linux-x64 && cp .gpu/webgpu/* node_modules/webgpu/ && unz .gpu/dawn.node.xz node_modules/webgpu/dist/linux-x64/dawn.node
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
echo "vulkan icd: ${VK_DRIVER_FILES:-default}"; /tmp/node --version
timeout 300 /tmp/node dist/bench/gpu.js --json "$OUT/gpu.json" 2>&1 | grep -v "artificially reduced"
PYTHONUNBUFFERED=1 timeout 120 python3 bench/gpu_torch.py --json "$OUT/torch.json"
# correctness of every webgpu op on this GPU (the suite CI runs on lavapipe)
DLGRAD_REQUIRE_WEBGPU=1 timeout 150 /tmp/node --test dist/test/webgpu.test.js > "$OUT/webgpu-test.txt" 2>&1
grep -E "^# (tests|pass|fail)|not ok|webgpu adapter" "$OUT/webgpu-test.txt" | head -30
grep -B2 -A30 "^ *not ok" "$OUT/webgpu-test.txt" | grep -E "not ok|error|message|expected|actual|mismatch|max" | head -40
