#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Renders `weightinit report` pages in headless Chromium and checks that the plots are there.

For a page made from saved probe and compare documents (--input) and one made by the report
command itself (--model, synthetic data), it checks:
  * the page is self-contained: no <script>, and every src/href is an in-page anchor;
  * the DOM Chromium builds (--dump-dom) has the sections probe-1 and compare-1, five charts
    (two per probe, one double chart per compare), a polyline per init in each chart, axis
    labels and legends;
  * a screenshot (--screenshot) shows the chart lines: at least MIN_PIXELS pixels of the first
    two palette colours (#0072B2, #D55E00), decoded from the PNG with zlib.
Chromium runs with --headless --no-sandbox --disable-gpu and no network (a dead proxy, every
host name unresolvable, background networking off). Prints "N passed, 0 failed" on success.
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

MIN_PIXELS = 200  # a 640-px polyline 2 px wide covers well over 1000 pixels
PALETTE = {"#0072B2": (0x00, 0x72, 0xB2), "#D55E00": (0xD5, 0x5E, 0x00)}


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    if r.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def chromium(binary, profile, *args):
    base = [binary, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update",
            "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}"]
    return run(base + list(args))


def png_pixels(path):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return width, height, channels, rows


def count_colour(png, rgb, tolerance=24):
    width, height, channels, rows = png
    n = 0
    for line in rows:
        for x in range(0, width * channels, channels):
            if (abs(line[x] - rgb[0]) <= tolerance and abs(line[x + 1] - rgb[1]) <= tolerance
                    and abs(line[x + 2] - rgb[2]) <= tolerance):
                n += 1
    return n


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAILED: {what}")


def check_page(checks, name, html_path, inits_per_doc, browser, work):
    html = open(html_path, encoding="utf-8").read()
    checks.check("<script" not in html.lower(), f"{name}: the page has no script")
    external = [u for u in re.findall(r'(?:src|href)="([^"]*)"', html) if not u.startswith("#")]
    checks.check(not external, f"{name}: every src/href is an in-page anchor, got {external}")

    dom = chromium(browser, os.path.join(work, "profile"), "--dump-dom", "file://" + html_path)
    for section in ("probe-1", "compare-1", "rules"):
        checks.check(f'id="{section}"' in dom, f"{name}: the rendered DOM has section {section}")
    figures = re.findall(r'<figure class="chart" id="([^"]+)">(.*?)</figure>', dom, re.S)
    ids = [f[0] for f in figures]
    checks.check(ids == ["probe-1-act", "probe-1-grad", "compare-1-curves"],
                 f"{name}: charts probe-1-act, probe-1-grad, compare-1-curves, got {ids}")
    for fid, body in figures:
        charts = 2 if fid.startswith("compare") else 1
        lines = len(re.findall(r"<polyline", body))
        checks.check(lines >= charts * inits_per_doc,
                     f"{name}: {fid} has a line per init in each of its {charts} chart(s) "
                     f"({lines} polylines, expected >= {charts * inits_per_doc})")
        checks.check("layer (Linear / Conv, in order)" in body or "epoch (0: at init)" in body,
                     f"{name}: {fid} has its x-axis label")
        for colour in PALETTE:
            checks.check(colour in body, f"{name}: {fid} draws a line in {colour}")

    shot = os.path.join(work, name + ".png")
    chromium(browser, os.path.join(work, "profile"), f"--screenshot={shot}",
             "--window-size=1400,3000", "file://" + html_path)
    png = png_pixels(shot)
    for colour, rgb in PALETTE.items():
        n = count_colour(png, rgb)
        checks.check(n >= MIN_PIXELS,
                     f"{name}: the screenshot shows {colour} lines ({n} pixels, need {MIN_PIXELS})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    browser = shutil.which(a.chromium)
    if browser is None:
        sys.exit(f"FAILED: no '{a.chromium}' on PATH: scripts/install-deps.sh installs Debian's "
                 "chromium")
    os.makedirs(a.workdir, exist_ok=True)
    work = tempfile.mkdtemp(dir=a.workdir)
    checks = Checks()

    probe_json, compare_json = os.path.join(work, "p.json"), os.path.join(work, "c.json")
    run([a.cli, "probe", "--model", "mlp:64-[32x6]-10:tanh", "--data", "synthetic",
         "--inits", "default; xavier_uniform; normal(std=1)", "--batch", "32",
         "--json", probe_json])
    run([a.cli, "compare", "--model", "mlp:64-32-10:relu", "--data", "synthetic",
         "--train-samples", "512", "--inits", "zeros; kaiming_normal; xavier_uniform",
         "--epochs", "2", "--progress", "none", "--json", compare_json])
    saved = os.path.join(work, "saved.html")
    run([a.cli, "report", "--input", probe_json, "--input", compare_json, "--out", saved])
    check_page(checks, "saved", saved, 3, browser, work)

    direct = os.path.join(work, "direct.html")
    run([a.cli, "report", "--model", "mlp:64-[32x4]-10:relu", "--inits",
         "xavier_uniform; kaiming_normal", "--data", "synthetic", "--train-samples", "256",
         "--epochs", "1", "--progress", "none", "--out", direct])
    check_page(checks, "direct", direct, 2, browser, work)

    print(f"{checks.passed} passed, {checks.failed} failed")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
