#!/usr/bin/env python3
"""benchmarks/gpu/bench-gpu.py - the GPU path against its own ceiling and the CPU path.

Only meaningful with an NVIDIA GPU: without one (or with a build without
CUDA) it prints "no GPU: skipped", writes that to the JSON and exits 0.

On one long 1080p H.264 clip at 25 fps, made with the ffmpeg CLI by scaling
and concatenating the shared clips (looped to --seconds; a moving test
pattern when no clips are found), it measures in one run:

  decode-only   every frame decoded, nothing else: NVDEC with frames left
                on the GPU (bench-decode --gpu-frames), NVDEC through the
                ffmpeg CLI (-hwaccel cuda -hwaccel_output_format cuda) as a
                second opinion, and CPU decode (bench-decode --cpu)
  pipeline      `trawl index --device cuda` and `--device cpu` at the default
                sampling: video-seconds per wall-second, sampled frames/s,
                per-stage seconds from the index summary, GPU and NVDEC
                utilisation sampled by nvidia-smi while the CUDA run goes
  ratios        pipeline/decode-only fps (1.0 = decode-bound), CUDA/CPU

The CPU pipeline runs on the first --cpu-seconds of the clip only (it is
two orders slower) and is compared per video-second. Prints and saves JSON
(benchmarks/results/gpu.json); asserts nothing.

  python3 benchmarks/gpu/bench-gpu.py [--build build] [--seconds 300]
          [--cpu-seconds 30] [--clips DIR] [--nsys]

On a lent GPU machine ../shared is not there: copy a few clips into a
git-ignored folder, carry it, and pass --clips.
"""
import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
import index as index_bench  # noqa: E402  (make_long, shared_clips)


def gpu_name():
    try:
        p = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version",
                            "--format=csv,noheader"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout.strip().splitlines()[0] if p.returncode == 0 and p.stdout.strip() else None


def trawl_info(trawl):
    p = subprocess.run([trawl, "info", "--json"], capture_output=True, text=True)
    return json.loads(p.stdout) if p.returncode == 0 else {}


class UtilSampler:
    """nvidia-smi every 200 ms: GPU (SM) and decoder utilisation, memory used."""

    def __init__(self):
        self.samples, self.proc = [], None

    def __enter__(self):
        self.proc = subprocess.Popen(
            ["nvidia-smi", "--query-gpu=utilization.gpu,utilization.decoder,memory.used",
             "--format=csv,noheader,nounits", "-lms", "200"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        return self

    def _read(self):
        for line in self.proc.stdout:
            parts = [x.strip() for x in line.split(",")]
            try:
                self.samples.append(tuple(float(x) for x in parts[:3]))
            except ValueError:
                pass

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait()

    def summary(self):
        if not self.samples:
            return None
        n = len(self.samples)
        return {"samples": n,
                "gpu_util_mean_pct": round(sum(s[0] for s in self.samples) / n, 1),
                "decoder_util_mean_pct": round(sum(s[1] for s in self.samples) / n, 1),
                "memory_used_max_mib": max(s[2] for s in self.samples)}


def timed(cmd, **kw):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return p, time.monotonic() - t0


def decode_only(build, clip, frames):
    out = {}
    exe = os.path.join(build, "benchmarks", "gpu", "bench-decode")
    for name, extra in (("nvdec_gpu_frames", ["--gpu-frames"]), ("cpu", ["--cpu"])):
        if not os.path.exists(exe):
            out[name] = {"error": f"{exe} not built"}
            continue
        p, wall = timed([exe, clip, "--json"] + extra)
        if p.returncode != 0:
            out[name] = {"error": p.stderr.strip()[-500:]}
            continue
        r = json.loads(p.stdout.strip().splitlines()[-1])
        r["wall_s"] = round(wall, 2)
        out[name] = r
    p, wall = timed(["ffmpeg", "-v", "error", "-hwaccel", "cuda", "-hwaccel_output_format",
                     "cuda", "-i", clip, "-f", "null", "-"])
    out["ffmpeg_cli_nvdec"] = ({"fps": round(frames / wall, 1), "wall_s": round(wall, 2)}
                               if p.returncode == 0 else {"error": p.stderr.strip()[-500:]})
    return out


def index_run(trawl, clip, device, tmp, nsys=False):
    case = os.path.join(tmp, f"case-{device}")
    cmd = [trawl, "index", case, "--json", f"--device={device}", clip]
    if nsys and shutil.which("nsys"):
        cmd = ["nsys", "profile", "-o", os.path.join(tmp, "trawl-index"), "--force-overwrite",
               "true", "--stats=true"] + cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sampler = UtilSampler() if device == "cuda" else None
    if sampler:
        with sampler:
            p, wall = timed(cmd)
    else:
        p, wall = timed(cmd)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    shutil.rmtree(case, ignore_errors=True)
    if p.returncode != 0:
        return {"error": p.stderr.strip()[-1500:]}
    summary = [json.loads(l) for l in p.stdout.splitlines()
               if l.startswith("{") and '"summary"' in l][-1]
    frames = max(1, summary["frames"])
    r = {"wall_s": round(wall, 2),
         "video_s": round(summary["video_s_done"], 2),
         "realtime_ratio": round(summary["video_s_done"] / wall, 2),
         "frames_sampled": summary["frames"],
         "sampled_frames_per_s": round(summary["frames"] / wall, 1),
         "stages_s": summary["stages_s"],
         "stage_ms_per_frame": {k: round(1000 * v / frames, 2)
                                for k, v in summary["stages_s"].items()},
         "peak_rss_mib": round(max(rss, before) / 1024, 1),
         "face_sightings": summary["faces"], "plate_sightings": summary["plates"],
         "decode": summary.get("decode")}
    if sampler:
        r["utilisation"] = sampler.summary()
    if nsys and shutil.which("nsys"):
        r["nsys_stats_tail"] = p.stderr[-4000:]
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seconds", type=int, default=300, help="length of the 1080p clip")
    ap.add_argument("--cpu-seconds", type=int, default=30, help="clip length for the CPU run")
    ap.add_argument("--clips", default=None, help="folder of clips to build the long clip from")
    ap.add_argument("--nsys", action="store_true", help="profile the CUDA index run with nsys")
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", "gpu.json"))
    a = ap.parse_args()
    trawl = os.path.join(a.build, "src", "cli", "trawl")
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    info = trawl_info(trawl) if os.path.exists(trawl) else {}
    gpu = gpu_name()
    if gpu is None or not info.get("gpu"):
        why = ("no GPU: skipped" if gpu is None else
               "no GPU: skipped (this build of trawl has no CUDA or cannot use the GPU)")
        print(why)
        with open(a.out, "w") as f:
            json.dump({"benchmark": "gpu", "skipped": why, "trawl_info": info}, f, indent=1)
        return 0

    with tempfile.TemporaryDirectory(prefix="trawl-bench-gpu-") as tmp:
        if a.clips:
            clips = sorted(os.path.join(a.clips, f) for f in os.listdir(a.clips)
                           if f.endswith((".mp4", ".avi", ".mkv", ".mov")))
        else:
            try:
                clips = index_bench.shared_clips()
            except OSError:
                clips = []
        if clips:
            clip = index_bench.make_long(clips, a.seconds, tmp, 1920, 1080)
        else:
            clip = os.path.join(tmp, "pattern-1080p.mp4")
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                            "testsrc2=size=1920x1080:rate=25", "-t", str(a.seconds),
                            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                            clip], check=True)
        cpu_clip = os.path.join(tmp, "cpu-part.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", clip, "-t", str(a.cpu_seconds),
                        "-c", "copy", cpu_clip], check=True)
        frames = a.seconds * 25

        dec = decode_only(a.build, clip, frames)
        print(json.dumps({"decode_only": dec}, indent=1), flush=True)
        cuda = index_run(trawl, clip, "cuda", tmp, a.nsys)
        print(json.dumps({"pipeline_cuda": cuda}, indent=1), flush=True)
        cpu = index_run(trawl, cpu_clip, "cpu", tmp)
        print(json.dumps({"pipeline_cpu": cpu}, indent=1), flush=True)

    ratios = {}
    nv = dec.get("nvdec_gpu_frames", {}).get("fps")
    if nv and "wall_s" in cuda:
        pipe_fps = frames / cuda["wall_s"]
        ratios["pipeline_over_decode_only"] = round(pipe_fps / nv, 3)
        ratios["cuda_realtime"] = cuda["realtime_ratio"]
    if "realtime_ratio" in cuda and "realtime_ratio" in cpu:
        ratios["cuda_over_cpu_per_video_s"] = round(cuda["realtime_ratio"] / cpu["realtime_ratio"], 1)
    result = {"benchmark": "gpu", "gpu": gpu, "host": platform.node(), "cpus": os.cpu_count(),
              "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "trawl_info": info,
              "clip": {"size": "1920x1080", "codec": "h264", "fps": 25, "seconds": a.seconds,
                       "frames": frames, "from_shared_clips": bool(clips)},
              "decode_only": dec, "pipeline_cuda": cuda, "pipeline_cpu": cpu, "ratios": ratios,
              "targets": {"pipeline_over_decode_only": ">= 0.8", "cuda_realtime": ">= 200"}}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(ratios, indent=1))
    print(f"saved {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
