#!/usr/bin/env python3
"""Long fuzz run: N mutated inputs per parser through trawl-fuzz, under
ASan/UBSan, counting executions and crashes per target.

    meson setup build-asan -Dsanitize=true ... && ninja -C build-asan tests/fuzz/trawl-fuzz
    python3 benchmarks/fuzz.py [--build build-asan] [--execs 20000] [--target onnx ...]
                               [--out results.json]

trawl-fuzz runs in-process; a crash, a sanitizer report or a hang ends
it. This driver then saves the input that did it (with the report) under
benchmarks/results/fuzz-crashes/TARGET/, and starts trawl-fuzz again on
another PRNG seed for the executions left, so one crash does not hide the
next. Video targets get small clips made here with ffmpeg (several
containers) as seeds. Prints a table and saves benchmarks/results/fuzz.json.
Not part of `meson test` (the suite "fuzz" runs a few hundred inputs each).
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGETS = ["onnx", "faceapi-manifest", "faceapi-shard", "labels-csv", "vectors", "catalog",
           "evidence", "image", "video"]


def video_seeds(dest):
    """Small clips in the containers a DVR export comes in."""
    dest.mkdir(parents=True, exist_ok=True)
    specs = [("a.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv420p"]),
             ("b.avi", ["-c:v", "mpeg4"]),
             ("c.mkv", ["-c:v", "libx264", "-pix_fmt", "yuv420p"]),
             ("d.ts", ["-c:v", "mpeg2video"]),
             ("e.mov", ["-c:v", "mjpeg"])]
    for name, codec in specs:
        out = dest / name
        if not out.exists():
            subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-f", "lavfi",
                            "-i", "testsrc=s=96x64:r=5", "-t", "2", *codec, str(out)], check=True)
    return dest


def run_target(exe, target, execs, seed, work, crashes, timeout, env):
    """Runs execs inputs; returns (executions done, crash records)."""
    done, found, tries = 0, [], 0
    accepted = 0
    while done < execs and tries < 50:
        tries += 1
        wdir = work / target
        shutil.rmtree(wdir, ignore_errors=True)
        wdir.mkdir(parents=True)
        t0 = time.monotonic()
        p = subprocess.run([str(exe), "--target", target, "--execs", str(execs - done),
                            "--seed", str(seed + tries), "--work", str(work),
                            "--timeout", str(timeout)],
                           capture_output=True, text=True, env=env)
        m = re.search(r"(\d+) accepted", p.stdout)
        accepted += int(m.group(1)) if m else 0
        if p.returncode == 0 and "executions" in p.stdout:
            done = execs
            break
        if p.returncode == 77 or "skipped" in p.stdout:
            return None, [{"skipped": p.stdout.strip()}], 0
        # A crash: WORK/TARGET/current names the input and its number.
        mark = (wdir / "current").read_text().split("\n") if (wdir / "current").exists() else []
        path = pathlib.Path(mark[0]) if mark else None
        n = int(mark[1]) if len(mark) > 1 and mark[1] else 0
        n = max(n, 0)
        done += n + 1
        keep = crashes / target
        keep.mkdir(parents=True, exist_ok=True)
        name = f"crash-{len(found) + 1}-seed{seed + tries}-exec{n}"
        if path and path.exists():
            shutil.copy(path, keep / (name + path.suffix))
        (keep / (name + ".log")).write_text(p.stderr[-20000:])
        first = next((ln for ln in p.stderr.splitlines()
                      if "ERROR" in ln or "runtime error" in ln or "CRITICAL" in ln), "")
        found.append({"input": str(keep / (name + (path.suffix if path else ""))),
                      "exit": p.returncode, "summary": first.strip()[:300],
                      "seconds": round(time.monotonic() - t0, 1)})
    return done, found, accepted


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=str(ROOT / "build-asan"))
    ap.add_argument("--execs", type=int, default=20000)
    ap.add_argument("--target", action="append", help="repeat; default all")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--timeout", type=int, default=30, help="seconds one input may take")
    ap.add_argument("--out", default=None, help="JSON file (default benchmarks/results/fuzz.json)")
    args = ap.parse_args()
    exe = pathlib.Path(args.build) / "tests" / "fuzz" / "trawl-fuzz"
    if not exe.exists():
        sys.exit(f"{exe} missing: ninja -C {args.build} tests/fuzz/trawl-fuzz")
    results = ROOT / "benchmarks" / "results"
    crashes = results / "fuzz-crashes"
    results.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("TRAWL_SOURCE_ROOT", str(ROOT))
    # Leaks are not crashes here (a parser that gives up mid-way may keep a
    # cache); halt on the first real report so the input is the culprit.
    env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1:allocator_may_return_null=0"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    work = pathlib.Path(tempfile.mkdtemp(prefix="trawl-fuzz-"))
    env["TRAWL_FUZZ_VIDEO_SEEDS"] = str(video_seeds(work / "video-seeds"))
    report = {"build": args.build, "execs_per_target": args.execs, "seed": args.seed,
              "sanitize": "asan" in args.build, "targets": {}}
    print(f"{'target':18} {'execs':>8} {'crashes':>8} {'seconds':>8} {'accepted':>8}")
    for t in args.target or TARGETS:
        t0 = time.monotonic()
        done, found, accepted = run_target(exe, t, args.execs, args.seed, work, crashes,
                                           args.timeout, env)
        secs = round(time.monotonic() - t0, 1)
        if done is None:
            report["targets"][t] = {"skipped": found[0]["skipped"]}
            print(f"{t:18} skipped: {found[0]['skipped']}")
            continue
        # accepted: inputs the parser took (the rest it refused with an
        # error, as it should); counted only over runs that ended cleanly.
        report["targets"][t] = {"executions": done, "crashes": len(found), "seconds": secs,
                                "accepted": accepted, "crash_inputs": found}
        print(f"{t:18} {done:8d} {len(found):8d} {secs:8.1f} {accepted:8d}")
        for c in found:
            print(f"    {c['summary']}  ({c['input']})")
    shutil.rmtree(work, ignore_errors=True)
    out = pathlib.Path(args.out) if args.out else results / "fuzz.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"saved {out}")


if __name__ == "__main__":
    main()
