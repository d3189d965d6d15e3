#!/usr/bin/env python3
"""Fails when a lower layer of the library includes a higher one (docs/design.md, "Layers"),
or when the umbrella header weightinit.h leaves out a public header.

The layers, lowest first, and what each may include. A folder of include/weightinit/ or src/
belongs to one layer; the headers at the top of include/weightinit/ (dtype.h, error.h,
threads.h) and the private helpers of src/detail/ belong to core. weightinit.h, the umbrella,
may include everything. src/CMakeLists.txt links the targets the same way.

Usage: check_layers.py [ROOT]     check the tree at ROOT (default: this repository)
       check_layers.py --self-test  check that a planted violation is found
"""
import os
import re
import sys
import tempfile

LAYER_OF_FOLDER = {
    "tensor": "core", "random": "core", "init": "core", "parallel": "core", "detail": "core",
    "io": "io", "data": "data", "nn": "nn", "models": "models", "train": "train",
    "recipes": "recipes", "diag": "diag", "search": "search",
}
MAY_USE = {
    "core": {"core"},
    "io": {"core", "io"},
    "data": {"core", "data"},
    "nn": {"core", "nn"},
    "models": {"core", "io", "nn", "models"},
    "train": {"core", "data", "nn", "train"},
    "recipes": {"core", "io", "nn", "models", "recipes"},
    "diag": {"core", "io", "data", "nn", "models", "train", "recipes", "diag"},
    "search": {"core", "io", "data", "nn", "models", "train", "recipes", "diag", "search"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')


def layer_of_include(target):
    """The layer an #include names, or None for a system or third-party header."""
    parts = target.split("/")
    if parts[0] == "weightinit":
        if len(parts) == 2:
            return None if parts[1] == "weightinit.h" else "core"
        return LAYER_OF_FOLDER.get(parts[1], "unknown:" + parts[1])
    if len(parts) >= 2 and parts[0] in LAYER_OF_FOLDER:  # a private header under src/
        return LAYER_OF_FOLDER[parts[0]]
    return None


def layer_of_file(relative):
    """The layer a file of include/weightinit/ or src/ belongs to, or None for the umbrella."""
    parts = relative.split("/")
    if parts[0] == "include":
        if len(parts) == 3:
            return None if parts[2] == "weightinit.h" else "core"
        return LAYER_OF_FOLDER.get(parts[2], "unknown:" + parts[2])
    if len(parts) == 2:  # src/CMakeLists.txt
        return None
    return LAYER_OF_FOLDER.get(parts[1], "unknown:" + parts[1])


def violations(root):
    found = []
    for base in ("include/weightinit", "src"):
        for folder, _, files in os.walk(os.path.join(root, base)):
            for name in sorted(files):
                if not name.endswith((".h", ".cpp")):
                    continue
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, root)
                layer = layer_of_file(relative)
                if layer is None:
                    continue
                if layer.startswith("unknown:"):
                    found.append(f"{relative}: folder '{layer[8:]}' belongs to no layer "
                                 "(add it to scripts/check_layers.py and docs/design.md)")
                    continue
                with open(path, encoding="utf-8") as source:
                    for number, line in enumerate(source, 1):
                        match = INCLUDE.match(line)
                        if not match:
                            continue
                        used = layer_of_include(match.group(1))
                        if used is None or used in MAY_USE[layer]:
                            continue
                        found.append(f"{relative}:{number}: layer '{layer}' includes "
                                     f"'{match.group(1)}' of layer '{used}'; '{layer}' may use "
                                     f"only {', '.join(sorted(MAY_USE[layer]))}")
    return found


def missing_from_umbrella(root):
    """Public headers that include/weightinit/weightinit.h does not include."""
    public = set()
    base = os.path.join(root, "include")
    for folder, _, files in os.walk(os.path.join(base, "weightinit")):
        for name in files:
            if name.endswith(".h") and name != "weightinit.h":
                public.add(os.path.relpath(os.path.join(folder, name), base))
    umbrella = os.path.join(base, "weightinit", "weightinit.h")
    included = set()
    if os.path.exists(umbrella):
        with open(umbrella, encoding="utf-8") as f:
            for line in f:
                match = INCLUDE.match(line)
                if match:
                    included.add(match.group(1))
    return [f"include/weightinit/weightinit.h: does not include '{h}' (it must include every "
            "public header)" for h in sorted(public - included)]


def self_test():
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "include/weightinit/nn"))
        os.makedirs(os.path.join(root, "src/random"))
        with open(os.path.join(root, "include/weightinit/nn/module.h"), "w") as f:
            f.write('#include "weightinit/tensor/tensor.h"\n')  # allowed: nn uses core
        with open(os.path.join(root, "src/random/generator.cpp"), "w") as f:
            f.write('#include <vector>\n#include "weightinit/nn/module.h"\n')  # core uses nn
        with open(os.path.join(root, "include/weightinit/weightinit.h"), "w") as f:
            f.write('#pragma once\n')  # leaves out nn/module.h
        found = violations(root) + missing_from_umbrella(root)
        expected = ["src/random/generator.cpp:2: layer 'core' includes 'weightinit/nn/module.h'",
                    "include/weightinit/weightinit.h: does not include 'weightinit/nn/module.h'"]
        if len(found) != 2 or not all(f.startswith(e) for f, e in zip(found, expected)):
            print("self-test failed: expected", expected, "got", found)
            return 1
    print("self-test passed: the planted violation and the missing header were found")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))
    found = violations(root) + missing_from_umbrella(root)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} problem(s): a lower layer includes a higher one, or weightinit.h "
              "leaves out a public header")
        return 1
    print("layering: every include goes downwards, and weightinit.h includes every public header")
    return 0


if __name__ == "__main__":
    sys.exit(main())
