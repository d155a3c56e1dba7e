#!/usr/bin/env python3
"""benchmarks/index.py - how fast `trawl index` turns footage into a case.

Runs the real CLI (under /usr/bin/time -v for peak RSS) on the shared clips
(read in place from ../shared/data or $TRAWL_DATA) and, with --long, on a
longer 720p clip made from them with the ffmpeg CLI in a temp dir. Reports
video-seconds indexed per wall-second, sampled frames/s, time per stage and
peak RSS; prints and saves JSON to benchmarks/results/index.json. Times
nothing itself beyond the wall clock of each run; asserts nothing.

  python3 benchmarks/index.py [--trawl build-G/src/cli/trawl] [--fps 2] [--long 120]
                              [--no-workers]

Runs: the shared clips with one detector worker (default), again with
--workers=2 (faces and plates of a frame side by side, each engine on half
the cores), and the optional long clip.
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def data_dir():
    return os.environ.get("TRAWL_DATA") or os.path.join(ROOT, "..", "shared", "data")


def shared_clips():
    d = os.path.join(data_dir(), "videos")
    plates = sorted(os.path.join(d, "plates", f) for f in os.listdir(os.path.join(d, "plates"))
                    if f.endswith((".mp4", ".avi")))
    return plates + [os.path.join(d, "people", "short_hamilton_clip.mp4"),
                     os.path.join(d, "traffic", "car-detection.mp4")]


def make_long(clips, seconds, tmp, width=1280, height=720):
    """Concatenates the clips, scaled and padded to width x height at 25 fps, looped to
    `seconds` (H.264)."""
    out = os.path.join(tmp, f"long-{height}p.mp4")
    inputs, filters = [], []
    for i, c in enumerate(clips):
        inputs += ["-i", c]
        filters.append(f"[{i}:v]scale={width}:{height}:force_original_aspect_ratio=decrease,"
                       f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,fps=25,setsar=1,"
                       f"format=yuv420p[v{i}]")
    concat = "".join(f"[v{i}]" for i in range(len(clips)))
    filters.append(f"{concat}concat=n={len(clips)}:v=1:a=0[cat]")
    once = os.path.join(tmp, f"once-{height}p.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-y"] + inputs +
                   ["-filter_complex", ";".join(filters), "-map", "[cat]",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", once], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", once,
                    "-t", str(seconds), "-c", "copy", out], check=True)
    return out


def run_index(trawl, files, fps, extra):
    case = tempfile.mkdtemp(prefix="trawl-bench-index-")
    try:
        cmd = ["/usr/bin/time", "-v", trawl, "index", os.path.join(case, "case"),
               "--json", f"--fps={fps}"] + extra + files
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.monotonic() - t0
        if p.returncode != 0:
            sys.exit(f"trawl index failed ({p.returncode}): {p.stderr[-2000:]}")
        summary = [json.loads(l) for l in p.stdout.splitlines()
                   if l.startswith("{") and '"summary"' in l][-1]
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        st = summary["stages_s"]
        return {
            "files": len(files),
            "fps_sampled_per_video_s": fps,
            "options": extra,
            "video_s": round(summary["video_s_done"], 2),
            "wall_s": round(wall, 2),
            "realtime_ratio": round(summary["video_s_done"] / wall, 3),
            "frames_sampled": summary["frames"],
            "sampled_frames_per_s": round(summary["frames"] / wall, 2),
            "stages_s": st,
            "stage_ms_per_frame": {k: round(1000 * v / max(1, summary["frames"]), 1)
                                   for k, v in st.items()},
            "peak_rss_mib": round(int(rss.group(1)) / 1024, 1) if rss else None,
            "indexed": summary["indexed"], "failed": summary["failed"],
            "face_sightings": summary["faces"], "plate_sightings": summary["plates"],
            "face_tracks": summary["face_tracks"], "plate_tracks": summary["plate_tracks"],
        }
    finally:
        shutil.rmtree(case, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trawl", default=os.path.join(ROOT, "build", "src", "cli", "trawl"))
    ap.add_argument("--fps", type=float, default=2.0)
    ap.add_argument("--long", type=int, default=0, help="also a generated 720p clip of N seconds")
    ap.add_argument("--no-workers", action="store_true", help="skip the --workers=2 run")
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", "index.json"))
    a = ap.parse_args()
    clips = shared_clips()
    runs = {"shared_clips": run_index(a.trawl, clips, a.fps, [])}
    print(json.dumps(runs["shared_clips"], indent=1), flush=True)
    if not a.no_workers:
        # faces and plates side by side, each engine on half the cores
        runs["shared_clips_workers2"] = run_index(a.trawl, clips, a.fps, ["--workers=2"])
        print(json.dumps(runs["shared_clips_workers2"], indent=1), flush=True)
    if a.long > 0:
        with tempfile.TemporaryDirectory(prefix="trawl-bench-long-") as tmp:
            long_clip = make_long(clips, a.long, tmp)
            runs["long_720p"] = run_index(a.trawl, [long_clip], a.fps, [])
            print(json.dumps(runs["long_720p"], indent=1), flush=True)
    result = {
        "benchmark": "index",
        "host": platform.node(), "cpus": os.cpu_count(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "note": "CPU engine; faces = SSD (whole frame + tiles) + landmarks + embedding; "
                "plates = PP-OCR det + rec; decode runs in its own thread",
        "runs": runs,
    }
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"saved {a.out}")


if __name__ == "__main__":
    main()
