#!/usr/bin/env bash
# bench-gpu.sh - GPU benchmarks, only with a GPU: NVDEC decode-only fps on
# a generated 1080p H.264 clip (against CPU decode of the same clip), and
# the indexing pipeline on GPU vs CPU when `trawl index` has --device.
# Without a GPU it prints "no GPU: skipped" and exits 0. Times are
# measured here, on this machine; nothing is asserted.
#
#   benchmarks/gpu/bench-gpu.sh [BUILD_DIR] [OUT_JSON]
#   (defaults: build, benchmarks/results/gpu.json)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
out=${2:-$root/benchmarks/results/gpu.json}
trawl=$build/src/cli/trawl

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "no GPU: skipped"
  exit 0
fi
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
clip=$work/clip-1080p.mp4
secs=20

# A synthetic but busy picture (testsrc2 moves every frame), 25 fps.
ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc2=size=1920x1080:rate=25" \
  -t "$secs" -c:v libx264 -preset veryfast -pix_fmt yuv420p "$clip"
frames=$((secs * 25))

# Seconds taken by a command (wall clock).
timed() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

# Decode only: frames stay on the GPU for NVDEC (-hwaccel_output_format
# cuda), as our pipeline keeps them; the CPU run decodes with all threads.
t_nvdec=$(timed ffmpeg -hide_banner -hwaccel cuda -hwaccel_output_format cuda -i "$clip" -f null -)
t_cpu=$(timed ffmpeg -hide_banner -i "$clip" -f null -)

pipe_gpu=null
pipe_cpu=null
note="trawl index has no --device option yet: pipeline not timed"
if [ -x "$trawl" ] && "$trawl" index --help 2>&1 | grep -q -- '--device'; then
  t_pg=$(timed "$trawl" index -q --device cuda "$work/case-gpu" "$clip")
  t_pc=$(timed "$trawl" index -q --device cpu "$work/case-cpu" "$clip")
  pipe_gpu=$(echo "$frames / $t_pg" | bc -l)
  pipe_cpu=$(echo "$frames / $t_pc" | bc -l)
  note="trawl index, default options, same clip"
fi

mkdir -p "$(dirname "$out")"
cat > "$out" <<JSON
{
  "gpu": "$gpu",
  "clip": { "size": "1920x1080", "codec": "h264", "frames": $frames },
  "decode_fps": { "nvdec": $(echo "$frames / $t_nvdec" | bc -l), "cpu": $(echo "$frames / $t_cpu" | bc -l) },
  "pipeline_fps": { "cuda": $pipe_gpu, "cpu": $pipe_cpu },
  "note": "$note"
}
JSON
cat "$out"
