#!/usr/bin/env python3
"""Evidence export timing: a 20 s clip from a 1 h file, trawl beside
`ffmpeg -c copy` in the same run.

    python3 benchmarks/export.py [--build build] [--hours 1] [--at 1800] [--runs 5]

Makes the long file once (the shared traffic clip joined end to end by
stream copy, so real H.264 footage, no re-encoding) under
~/.cache/trawl/bench/, then runs build/benchmarks/bench-export on it and
saves its JSON in benchmarks/results/export.json. The figures: the stream
copy alone (trawl_video_remux) and ffmpeg's, each the median of the runs,
and the whole export, which also re-hashes the source (reading all of it).
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def data_dir():
    return pathlib.Path(os.environ.get("TRAWL_DATA", ROOT.parent / "shared" / "data"))


def make_long(clip, hours, out):
    if out.exists():
        return out
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                            "-of", "default=nw=1:nk=1", str(clip)],
                           check=True, capture_output=True, text=True)
    n = int(hours * 3600 / float(probe.stdout.strip())) + 1
    out.parent.mkdir(parents=True, exist_ok=True)
    lst = out.with_suffix(".txt")
    lst.write_text("".join(f"file '{clip}'\n" for _ in range(n)))
    tmp = out.with_suffix(".part.mp4")
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-f", "concat", "-safe", "0",
                    "-i", str(lst), "-c", "copy", str(tmp)], check=True)
    tmp.rename(out)
    lst.unlink()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--at", type=float, default=1800.0)
    ap.add_argument("--length", type=float, default=20.0)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    clip = data_dir() / "videos" / "traffic" / "car-detection.mp4"
    if not clip.exists():
        print(f"shared data absent ({clip}): skipped")
        return 0
    cache = pathlib.Path(os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache"))
    src = make_long(clip, a.hours, cache / "trawl" / "bench" / f"traffic-{a.hours:g}h.mp4")
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    out = results / "export.json"
    subprocess.run([str(pathlib.Path(a.build) / "benchmarks" / "bench-export"), str(src),
                    "--at", str(a.at), "--length", str(a.length), "--runs", str(a.runs),
                    "--json", str(out)], check=True)
    r = json.loads(out.read_text())
    print(f"stream copy of {a.length:g} s at {a.at:g} s of a {r['source_duration_s'] / 3600:.2f} h "
          f"file: trawl {r['trawl_remux_median_s']:.3f} s, ffmpeg -c copy "
          f"{r['ffmpeg_copy_median_s']:.3f} s (ratio {r['ratio_remux_to_ffmpeg']:.2f}); "
          f"whole export incl. source SHA-256 {r['trawl_export_median_s']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
