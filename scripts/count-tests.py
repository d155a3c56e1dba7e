#!/usr/bin/env python3
"""Counts test cases (TAP subtests) from meson's testlog.json files and
prints the closing line CI reads: 'N passed, N failed, N skipped', summed
over every file given (the whole suite, then its reruns at other CPU
levels; with more than one file, a line per file comes first). A test
program that failed without reporting a failing case (a crash, a timeout)
counts as one failure, so nothing is lost."""
import json
import os
import re
import sys


def count(path):
    passed = failed = skipped = 0
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            out = t.get("stdout") or t.get("stdo") or ""
            p = f_ = s = 0
            for l in out.splitlines():
                if re.match(r"^ok \d+", l):
                    if re.search(r"#\s*SKIP", l, re.I):
                        s += 1
                    else:
                        p += 1
                elif re.match(r"^not ok \d+", l):
                    if re.search(r"#\s*TODO", l, re.I):
                        s += 1
                    else:
                        f_ += 1
            if t.get("result") in ("FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS") and f_ == 0:
                f_ = 1
            if p + f_ + s == 0:
                if t.get("result") == "SKIP":
                    s = 1
                elif t.get("result") == "OK":
                    p = 1
            passed += p
            failed += f_
            skipped += s
    return passed, failed, skipped


totals = [0, 0, 0]
for path in sys.argv[1:]:
    c = count(path)
    if len(sys.argv) > 2:
        print(f"  {os.path.basename(path)}: {c[0]} passed, {c[1]} failed, {c[2]} skipped")
    totals = [a + b for a, b in zip(totals, c)]
print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
