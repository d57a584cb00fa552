#!/usr/bin/env python3
"""Writes the precache list and the build id into sw.js from the files of one build.

Run by Trunk as a post_build hook (it sets TRUNK_STAGING_DIR), or by hand on a built folder:
    python3 scripts/precache.py dist
Idempotent: it rewrites only the part of sw.js between the @precache markers, so running it
again on a changed folder gives that folder's list and a new build id (tests use this to make
"a new version"). The build id changes whenever any precached file does, so sw.js's bytes
change and browsers install the new version.
"""
import hashlib
import json
import os
import re
import sys

MARKERS = re.compile(r"// @precache-start\n.*?// @precache-end\n", re.S)
SKIP = {"sw.js"}


def main() -> int:
    root = os.environ.get("TRUNK_STAGING_DIR") or (sys.argv[1] if len(sys.argv) > 1 else "")
    if not root or not os.path.isdir(root):
        print("precache: give the build folder (or run from Trunk)", file=sys.stderr)
        return 2
    entries = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if rel in SKIP or name.startswith("."):
                continue
            with open(path, "rb") as f:
                entries.append((f"/{rel}", hashlib.sha256(f.read()).hexdigest()))
    entries.sort()
    if not any(url == "/index.html" for url, _ in entries):
        print(f"precache: no index.html in {root}", file=sys.stderr)
        return 1
    build = hashlib.sha256(
        "\n".join(f"{url} {digest}" for url, digest in entries).encode()
    ).hexdigest()[:16]
    sw_path = os.path.join(root, "sw.js")
    with open(sw_path, encoding="utf-8") as f:
        sw = f.read()
    block = (
        "// @precache-start\n"
        f"const BUILD = {json.dumps(build)};\n"
        f"const PRECACHE = {json.dumps([url for url, _ in entries], indent=2)};\n"
        "// @precache-end\n"
    )
    new_sw, count = MARKERS.subn(lambda _m: block, sw)
    if count != 1:
        print(f"precache: {sw_path} lacks the @precache markers", file=sys.stderr)
        return 1
    with open(sw_path, "w", encoding="utf-8") as f:
        f.write(new_sw)
    print(f"precache: build {build}, {len(entries)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
