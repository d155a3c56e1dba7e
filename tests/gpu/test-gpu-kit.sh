#!/usr/bin/env bash
# test-gpu-kit.sh - the GPU run kit's scripts without building a kit
# (that takes minutes and a CUDA toolchain; scripts/gpu-kit is run by hand,
# benchmarks/README.md): scripts/gpu-kit's --help and --dry-run, and the
# kit's `run` driven through every stage on a stand-in kit whose programs
# are small shell scripts (a trawl that finds no GPU, test programs that
# pass, skip or abort), checking the stage statuses it records, its exit
# status and that summary.json is valid JSON. TAP output.
#
#   test-gpu-kit.sh SOURCE_ROOT
set -u
root=${1:?usage: test-gpu-kit.sh SOURCE_ROOT}
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; shift; printf '# %s\n' "$@"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what" "failed: $*"; fi; }
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

for s in gpu-kit gpu-kit-run gpu-kit-go build-ffmpeg-min.sh; do
  check "bash -n scripts/$s" bash -n "$root/scripts/$s"
done
"$root/scripts/gpu-kit" --help >"$tmp/help" 2>&1
check "gpu-kit --help exits 0 and names the carry folder" grep -q 'carry/' "$tmp/help"
"$root/scripts/gpu-kit" --bogus >/dev/null 2>&1
check "gpu-kit rejects an unknown option" test $? = 2
TRAWL_DATA=$tmp/no-data TRAWL_MODELS=$tmp/no-models "$root/scripts/gpu-kit" --dry-run \
  --out "$tmp/kit-out" >"$tmp/dry" 2>&1
rc=$?
check "gpu-kit --dry-run exits 0" test $rc = 0
check "gpu-kit --dry-run lists the five steps" test "$(grep -c '^  [1-5]\. ' "$tmp/dry")" = 5
check "gpu-kit --dry-run reports what is missing" grep -q 'missing here: models' "$tmp/dry"
check "gpu-kit --dry-run builds nothing" test ! -e "$tmp/kit-out"
"$root/scripts/gpu-kit-run" --help >"$tmp/rhelp" 2>&1
check "run --help exits 0" test $? = 0
"$root/scripts/gpu-kit-run" >/dev/null 2>&1
check "run without OUTDIR exits 2" test $? = 2

# A stand-in kit: the layout scripts/gpu-kit makes, programs as scripts.
kit=$tmp/kit
mkdir -p "$kit"/{bin,tests,lib/compat,lib/trawl,models,data,clips}
: >"$kit/lib/trawl/libtrawl-nn-cuda.so"
cp "$root/scripts/gpu-kit-run" "$kit/run"
printf 'trawl GPU run kit (stand-in)\nglibc_needed=2.2.5\nglibcxx_needed=3.4\n' >"$kit/MANIFEST.txt"
cat >"$kit/bin/trawl" <<'EOF'
#!/bin/sh
case "$1" in
  info) echo '{"version": "0", "cuda_built": true, "gpu": false, "gpu_error": "no NVIDIA GPU found", "path": "cpu"}' ;;
  index)
    for a; do case "$a" in --device=cuda) echo "trawl: no NVIDIA GPU found" >&2; exit 1 ;; esac; done
    sleep 1
    echo '{"summary": true, "video_s_done": 4.0, "frames": 8, "stages_s": {"decode": 0.5}}' ;;
  nn)
    # what the loader's LD_DEBUG=files would say when the module is mapped:
    # with --device cuda, or always when STANDIN_CPU_LOADS_MODULE is set
    loads=${STANDIN_CPU_LOADS_MODULE:-}
    for a; do [ "$a" = cuda ] && loads=1; done
    [ -n "$loads" ] && [ -n "${LD_DEBUG_OUTPUT:-}" ] &&
      echo "file=$TRAWL_NN_CUDA_MODULE [0];  dynamically loaded by trawl [0]" >>"$LD_DEBUG_OUTPUT.$$"
    for a; do [ "$a" = cuda ] && { echo "trawl: no NVIDIA GPU found" >&2; exit 1; }; done
    echo '{"bench": "nn", "median": 1.5}' ;;
esac
EOF
cat >"$kit/bin/bench-decode" <<'EOF'
#!/bin/sh
echo '{"bench": "decode", "fps": 123.5}'
EOF
cat >"$kit/bin/ffmpeg" <<'EOF'
#!/bin/sh
for last; do :; done
[ "$last" = - ] || : >"$last"
EOF
# a GPU test program: its cases skip without a GPU
cat >"$kit/tests/test-gpu-ops" <<'EOF'
#!/bin/sh
[ "$1" = -l ] && { echo /gpu/op/a; echo /gpu/op/b; exit 0; }
echo "ok 1 /gpu/op/a # SKIP no GPU (no NVIDIA GPU found)"
echo "ok 2 /gpu/op/b # SKIP no GPU (no NVIDIA GPU found)"
EOF
# an emulated test program, GTest-like (-l lists, -p picks): its first
# case aborts the process, the two after it pass once run again
cat >"$kit/tests/test-cuda-ops-emulated" <<'EOF'
#!/bin/sh
[ "$1" = -l ] && { echo /emu/bad; echo /emu/good; echo /emu/after; exit 0; }
shift
[ $# -eq 0 ] && set -- -p /emu/bad -p /emu/good -p /emu/after
n=0
while [ $# -gt 0 ]; do
  n=$((n + 1))
  case "$2" in /emu/bad) echo "Bail out! assertion failed"; exit 134 ;; *) echo "ok $n $2" ;; esac
  shift 2
done
EOF
chmod +x "$kit"/run "$kit"/bin/* "$kit"/tests/*
"$kit/run" "$tmp/out" --budget 120 --bench-seconds 4 --cpu-seconds 2 >"$tmp/console" 2>&1
rc=$?
st() { grep "\"stage\": \"$1\"" "$tmp/out/logs/stages.jsonl" | grep -o '"status": "[a-z]*"' | cut -d'"' -f4; }
check "run exits 1 when a stage failed" test $rc = 1
check "run: libs and info pass" test "$(st libs)$(st info)" = passpass
check "run: a GPU test program is skipped with the reason" \
  sh -c "test '$(st tests/test-gpu-ops)' = skip && grep -q 'no NVIDIA GPU found' '$tmp/out/logs/stages.jsonl'"
check "run: an aborting case fails its program, the cases after it still run" \
  sh -c "test '$(st tests/test-cuda-ops-emulated)' = fail && grep -q '2 passed, 1 failed, 0 skipped; first: /emu/bad: exit 134' '$tmp/out/logs/stages.jsonl'"
check "run: GPU benchmark stages skip without a GPU" \
  test "$(st bench/decode-nvdec-gpu-frames)$(st bench/index-cuda)" = skipskip
check "run: CPU benchmark stages pass" \
  test "$(st bench/ffmpeg-cli)$(st bench/decode-cpu)$(st bench/index-cpu)" = passpasspass
check "run: programs missing from the kit count as failures" test "$(st tests/test-gpu-db)" = fail
check "run: summary.json is valid JSON" python3 -c "import json,sys; json.load(open(sys.argv[1]))" \
  "$tmp/out/summary.json"
check "run: logs.tar.gz and console.log written" test -s "$tmp/out/logs.tar.gz" -a -s "$tmp/out/console.log"
check "run: the CPU realtime ratio is computed" grep -q '"cpu_realtime"' "$tmp/out/summary.json"
check "run: the kit's CUDA module is named in TRAWL_NN_CUDA_MODULE" \
  grep -q "CUDA module: $kit/lib/trawl/libtrawl-nn-cuda.so" "$tmp/out/logs/env.log"
check "run: cpu-path passes when only --device cuda loads the module" \
  sh -c "test '$(st cpu-path)' = pass && grep -q 'no CUDA module (1.5 ms median)' '$tmp/out/logs/stages.jsonl'"
# the same kit whose trawl maps the module on the CPU path too
STANDIN_CPU_LOADS_MODULE=1 "$kit/run" "$tmp/out2" --budget 120 --bench-seconds 4 --cpu-seconds 2 \
  >"$tmp/console2" 2>&1
check "run: cpu-path fails when the CPU path loads the module" \
  sh -c "grep '\"stage\": \"cpu-path\"' '$tmp/out2/logs/stages.jsonl' | grep -q '\"fail\".*--device cpu loaded the CUDA module'"
mv "$kit/lib/trawl/libtrawl-nn-cuda.so" "$tmp/module.away"
"$kit/run" "$tmp/out3" --budget 120 --bench-seconds 4 --cpu-seconds 2 >"$tmp/console3" 2>&1
check "run: libs fails on a kit without the CUDA module" \
  grep -q '"stage": "libs", "status": "fail", "seconds": [0-9.]*, "reason": "no CUDA module' \
  "$tmp/out3/logs/stages.jsonl"
echo "1..$n"
[ $fails = 0 ]
