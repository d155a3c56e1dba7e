#!/usr/bin/env python3
"""benchmarks/search/run.py - how fast trawl answers an investigator.

Drives build/benchmarks/bench-search (see its head comment) and the real CLI:

  1. makes (once, cached) a synthetic case of N camera-days with the
     library's own writers: 1,000 face tracks of 10 sightings and 500 plate
     tracks a camera-day, thumbnails included;
  2. face vector index types at the given sizes: p50/p99 of one query and
     recall@10 against exact FAISS flat search (the peer);
  3. in-process query latency through trawl_search_run (face, face on one
     camera, fuzzy plate, wildcard plate) beside the same plate questions as
     SQL LIKE/GLOB on the catalog (the peer);
  4. time-to-answer: a fresh `trawl search CASE --face PHOTO --json
     --thumbs DIR` until the ranked tracks and thumbnails are out, warm
     (median of 5) and cold (page cache dropped, where permitted), with peak
     RSS from /usr/bin/time -v.

Prints a summary, saves everything to benchmarks/results/search.json.
Asserts nothing.

  python3 benchmarks/search/run.py [--camera-days 100] [--vectors 100000,1000000]
                                   [--queries 200] [--build build]
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def data_dir():
    return os.environ.get("TRAWL_DATA") or os.path.join(ROOT, "..", "shared", "data")


def run_json(cmd):
    print("$", " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out)


def drop_caches():
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def timed_search(trawl, case, photo):
    with tempfile.TemporaryDirectory() as thumbs:
        cmd = ["/usr/bin/time", "-v", trawl, "search", case, "--face", photo, "--json",
               "--thumbs", thumbs]
        t = time.monotonic()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - t
        if p.returncode != 0:
            raise RuntimeError(p.stderr)
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        hits = len(json.loads(p.stdout)["hits"])
        return wall, int(rss.group(1)) / 1024 if rss else None, hits, len(os.listdir(thumbs))


def query_photo():
    p = os.path.join(data_dir(), "faces", "images", "fr_017.png")
    if os.path.exists(p):
        return p
    cache = os.environ.get("TRAWL_MODELS") or os.path.expanduser("~/.cache/trawl/models")
    return os.path.join(cache, "face-api", "sample1.jpg")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--camera-days", type=int, default=100)
    ap.add_argument("--vectors", default="100000,1000000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--case", help="case folder (default: a cached one per size)")
    args = ap.parse_args()

    bench = os.path.join(args.build, "benchmarks", "bench-search")
    trawl = os.path.join(args.build, "src", "cli", "trawl")
    cache = os.environ.get("TRAWL_CACHE") or os.path.expanduser("~/.cache/trawl")
    case = args.case or os.path.join(cache, f"bench-case-{args.camera_days}")
    result = {"machine": {"cpu": platform.processor() or platform.machine(),
                          "cores": os.cpu_count()},
              "camera_days": args.camera_days}

    if not os.path.exists(os.path.join(case, "catalog.sqlite")):
        result["make"] = run_json([bench, "make", case, "--camera-days", str(args.camera_days)])
    if args.vectors:
        result["vectors"] = run_json([bench, "vectors", "--n", args.vectors])
    result["queries"] = run_json([bench, "queries", case, "--queries", str(args.queries)])

    photo = query_photo()
    warm = [timed_search(trawl, case, photo) for _ in range(6)][1:]
    tta = {"photo": photo,
           "warm_s_median": statistics.median(w[0] for w in warm),
           "warm_s_all": [round(w[0], 3) for w in warm],
           "peak_rss_mib": max(w[1] or 0 for w in warm),
           "hits": warm[0][2], "thumbnails_written": warm[0][3]}
    if drop_caches():
        tta["cold_s"] = timed_search(trawl, case, photo)[0]
    else:
        tta["cold_s"] = None
        tta["cold_note"] = "not measured: no permission to drop the page cache"
    result["time_to_answer"] = tta

    os.makedirs(os.path.join(ROOT, "benchmarks", "results"), exist_ok=True)
    out = os.path.join(ROOT, "benchmarks", "results", "search.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
    q = result["queries"]
    print(f"\ncase: {args.camera_days} camera-days, {q['face_vectors']} face vectors "
          f"({q['face_index']})")
    for name in ("face", "face_one_camera", "plate_fuzzy", "plate_wildcard", "peer_sql_like",
                 "peer_sql_glob"):
        print(f"  {name:16s} p50 {q[name]['p50_ms']:8.2f} ms   p99 {q[name]['p99_ms']:8.2f} ms")
    for size in result.get("vectors", {}).get("sizes", []):
        flat = next(t for t in size["types"] if t["index"] == "flat")
        for t in size["types"]:
            print(f"  n={size['n']:<9} {t['index']:12s} p50 {t['p50_ms']:7.2f} ms  p99 "
                  f"{t['p99_ms']:7.2f} ms  recall@10 {t['recall_at_10']:.3f}  "
                  f"vs flat p99 x{t['p99_ms'] / flat['p99_ms']:.2f}")
    print(f"  time-to-answer warm {tta['warm_s_median']:.2f} s, cold "
          f"{tta['cold_s'] if tta['cold_s'] is not None else 'n/a'}, "
          f"peak RSS {tta['peak_rss_mib']:.0f} MiB")
    print(f"saved {out}")


if __name__ == "__main__":
    main()
