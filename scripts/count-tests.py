#!/usr/bin/env python3
"""Counts test cases (TAP subtests) from meson's testlog.json and prints the
closing line CI reads: 'N passed, N failed, N skipped'. A test program that
failed without reporting a failing case (a crash, a timeout) counts as one
failure, so nothing is lost."""
import json
import re
import sys

passed = failed = skipped = 0
with open(sys.argv[1]) as f:
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
print(f"{passed} passed, {failed} failed, {skipped} skipped")
