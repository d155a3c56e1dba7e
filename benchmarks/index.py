#!/usr/bin/env python3
"""benchmarks/index.py - how fast `trawl index` turns footage into a case.

Runs the real CLI (under /usr/bin/time -v for peak RSS) on the shared clips
(read in place from ../shared/data or $TRAWL_DATA) and, with --long, on a
longer 720p clip made from them with the ffmpeg CLI in a temp dir. Reports
video-seconds indexed per wall-second, sampled frames/s, frames the motion
gate kept from the detectors, time per stage and peak RSS, and what the
case found: labelled plates read as a plate track's text, plate tracks
that read no labelled plate, and labelled people found by `trawl search
--face` with their single-face photos (false matches beside). Prints and
saves JSON to benchmarks/results/index.json. Times nothing itself beyond
the wall clock of each run; asserts nothing.

  python3 benchmarks/index.py [--trawl build-G/src/cli/trawl] [--fps 2[,1...]]
                              [--gate off,auto] [--static 120] [--long 120]
                              [--no-workers] [--no-shared]

Runs, for each --fps and each --gate (default: the CLI's own setting;
`default` passes no --motion-gate, for binaries without it): the shared
clips with one detector worker, again with --workers=2 (faces and plates
of a frame side by side, each engine on half the cores; --no-workers skips
it), the optional static-scene clip and the optional long clip.

The static-scene clip (--static N seconds) is what archived CCTV mostly
is: a 720p, 15 fps still room (a frame of the shared overhead clip) with
sensor noise and a burned-in clock, where for 3 s a car with a labelled
plate (tud_s01) slides through and for 10 s the Hamilton clip plays in a
corner (Lin-Manuel Miranda), made with the ffmpeg CLI in a temp dir.
"""
import argparse
import csv
import json
import os
import platform
import re
import shutil
import sqlite3
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


def make_static(seconds, tmp, height=720):
    """A still room (720p, or 1080p where height is 1080) with a clock, a car passing at
    30 s and a face clip at 70 s (see the module doc); 15 fps H.264. At 1080p the car and
    the face clip keep their own size, so faces are smaller against the frame."""
    width = height * 16 // 9
    k = height / 720
    d = data_dir()
    room = os.path.join(d, "videos", "people", "one-by-one-person-detection.mp4")
    car = os.path.join(d, "videos", "plates", "tud_s01.mp4")
    ham = os.path.join(d, "videos", "people", "short_hamilton_clip.mp4")
    bg = os.path.join(tmp, "room.png")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "1", "-i", room, "-frames:v", "1",
                    "-vf", f"scale={width}:{height}", bg], check=True)
    t_car, t_ham = min(30, seconds * 0.25), min(70, seconds * 0.6)
    font = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
    clock = (f",drawtext=fontfile={font}:fontsize=28:fontcolor=white:x=24:y=24:box=1:"
             "boxcolor=black@0.4:text='CAM 3  %{pts\\:gmtime\\:1796000000}'"
             if os.path.exists(font) else "")
    graph = (f"[0:v]fps=15,format=yuv420p[bg];"
             f"[1:v]setpts=PTS-STARTPTS+{t_car}/TB[car];"
             f"[2:v]setpts=PTS-STARTPTS+{t_ham}/TB[ham];"
             f"[bg][car]overlay=x='{100 * k:.0f}+(t-{t_car})*100':y={120 * k:.0f}:"
             f"eof_action=pass[a];"
             f"[a][ham]overlay=x={600 * k:.0f}:y={300 * k:.0f}:eof_action=pass,"
             f"noise=alls=6:allf=t{clock}[out]")
    out = os.path.join(tmp, f"static-{seconds}s-{height}p.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "15", "-t",
                    str(seconds), "-i", bg, "-i", car, "-i", ham, "-filter_complex", graph,
                    "-map", "[out]", "-t", str(seconds), "-c:v", "libx264", "-preset",
                    "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", out], check=True)
    return out, {"tud_s01.mp4": os.path.basename(out),
                 "short_hamilton_clip.mp4": os.path.basename(out)}


def norm_plate(text):
    return "".join(c for c in text.upper() if c.isalnum())


def plate_labels():
    with open(os.path.join(data_dir(), "videos", "plates", "labels.csv")) as f:
        return [(r["file"], norm_plate(r["plate_text"])) for r in csv.DictReader(f)]


def people_labels():
    """{clip: [identity...]} and {identity: [single-face photo paths]}."""
    d = data_dir()
    with open(os.path.join(d, "videos", "people", "labels.csv")) as f:
        clips = {r["file"]: [i for i in r["identities_present"].split(";") if i]
                 for r in csv.DictReader(f)}
    photos = {}
    with open(os.path.join(d, "faces", "images", "labels.csv")) as f:
        for r in csv.DictReader(f):
            if r["faces_labelled_in_image"] == "1":
                photos.setdefault(r["identity"], []).append(
                    os.path.join(d, "faces", "images", r["file"]))
    return clips, photos


def recall(trawl, case, files, alias):
    """What the case found, by the labels: plates as a track's text, people by face
    search. alias maps a labelled clip name to the file that holds it (the static clip)."""
    names = {os.path.basename(f) for f in files}
    where = lambda clip: alias.get(clip, clip)
    db = sqlite3.connect(f"file:{os.path.join(case, 'catalog.sqlite')}?mode=ro", uri=True)
    tracks = [(os.path.basename(p), t) for p, t in db.execute(
        "SELECT v.path, t.best_plate_text FROM tracks t JOIN videos v ON v.id = t.video_id "
        "WHERE t.kind = 'plate'")]
    db.close()
    want = [(c, t) for c, t in plate_labels() if where(c) in names]
    found = [f"{c}:{t}" for c, t in want if (where(c), t) in tracks]
    labelled = {(where(c), t) for c, t in want}
    other = [f"{v}:{t}" for v, t in tracks if (v, t) not in labelled]
    clips, photos = people_labels()
    ids_found, ids_wanted, false = [], 0, []
    for ident, pics in sorted(photos.items()):
        present = {where(c) for c, ids in clips.items() if ident in ids}
        args = [trawl, "search", case, "--json", "--limit", "0"]
        for p in pics:
            args += ["--face", p]
        r = subprocess.run(args, capture_output=True, text=True)
        hits = json.loads(r.stdout)["hits"] if r.returncode == 0 and r.stdout else []
        matched = {os.path.basename(h["video"]) for h in hits if h.get("match")}
        for v in sorted(present & names):
            ids_wanted += 1
            if v in matched:
                ids_found.append(f"{v}:{ident}")
        false += [f"{v}:{ident}" for v in sorted(matched - present)]
    return {"plates_found": len(found), "plates_labelled": len(want),
            "plate_tracks_other": len(other), "other_plate_tracks": other,
            "people_found": len(ids_found), "people_labelled": ids_wanted,
            "found": found + ids_found, "false_face_matches": false}


def run_index(trawl, files, fps, extra, alias=None):
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
        # CPU time: on a machine shared with other work, wall time says little;
        # video-s per CPU-s x cores is the ratio an idle machine would reach
        cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)",
                                                 p.stderr))
        st = summary["stages_s"]
        gated = summary.get("frames_gated", 0)
        return {
            "files": len(files),
            "fps_sampled_per_video_s": fps,
            "options": extra,
            "video_s": round(summary["video_s_done"], 2),
            "wall_s": round(wall, 2),
            "realtime_ratio": round(summary["video_s_done"] / wall, 3),
            "cpu_s": round(cpu, 2),
            "realtime_ratio_idle_cpus": round(summary["video_s_done"] * (os.cpu_count() or 1)
                                              / max(cpu, 1e-3), 3),
            "frames_sampled": summary["frames"],
            "frames_gated": gated,
            "frames_analysed": summary["frames"] - gated,
            "sampled_frames_per_s": round(summary["frames"] / wall, 2),
            "stages_s": st,
            "stage_ms_per_frame": {k: round(1000 * v / max(1, summary["frames"]), 1)
                                   for k, v in st.items()},
            "peak_rss_mib": round(int(rss.group(1)) / 1024, 1) if rss else None,
            "indexed": summary["indexed"], "failed": summary["failed"],
            "face_sightings": summary["faces"], "plate_sightings": summary["plates"],
            "face_tracks": summary["face_tracks"], "plate_tracks": summary["plate_tracks"],
            "recall": recall(trawl, os.path.join(case, "case"), files, alias or {}),
        }
    finally:
        shutil.rmtree(case, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trawl", default=os.path.join(ROOT, "build", "src", "cli", "trawl"))
    ap.add_argument("--fps", default="2", help="sampled frames/s, comma-separated for a sweep")
    ap.add_argument("--gate", default="default",
                    help="motion gate settings to sweep, e.g. off,auto (default: the CLI's own)")
    ap.add_argument("--static", type=int, default=0,
                    help="also a generated still-scene 720p clip of N seconds (>= 90)")
    ap.add_argument("--static-height", type=int, default=720, choices=(720, 1080),
                    help="frame height of the still-scene clip (1080: 1920x1080)")
    ap.add_argument("--long", type=int, default=0, help="also a generated 720p clip of N seconds")
    ap.add_argument("--no-workers", action="store_true", help="skip the --workers=2 run")
    ap.add_argument("--no-shared", action="store_true", help="skip the shared clips")
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results", "index.json"))
    a = ap.parse_args()
    clips = shared_clips()
    runs = {}
    with tempfile.TemporaryDirectory(prefix="trawl-bench-long-") as tmp:
        static = make_static(a.static, tmp, a.static_height) if a.static > 0 else None
        long_clip = make_long(clips, a.long, tmp) if a.long > 0 else None
        for fps in (float(f) for f in a.fps.split(",")):
            for gate in a.gate.split(","):
                opt = [] if gate == "default" else [f"--motion-gate={gate}"]
                tag = f"fps{fps:g}" + ("" if gate == "default" else f"_gate-{gate}")
                todo = []
                if not a.no_shared:
                    todo.append((f"shared_clips_{tag}", clips, opt, None))
                    if not a.no_workers:
                        # faces and plates side by side, each engine on half the cores
                        todo.append((f"shared_clips_workers2_{tag}", clips,
                                     opt + ["--workers=2"], None))
                if static:
                    todo.append((f"static_{a.static_height}p_{tag}", [static[0]], opt, static[1]))
                if long_clip:
                    todo.append((f"long_720p_{tag}", [long_clip], opt, None))
                for name, files, extra, alias in todo:
                    runs[name] = run_index(a.trawl, files, fps, extra, alias)
                    print(name, json.dumps(runs[name], indent=1), flush=True)
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
