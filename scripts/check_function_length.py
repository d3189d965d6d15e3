#!/usr/bin/env python3
"""Lists the functions in src/ longer than a limit (80 lines by default) that carry no comment
saying why (a line `// long: <reason>` just above the definition); exits 1 when there are any.

clang-format (Google style, namespaces not indented) puts every function definition of a .cpp
at column 0 and its closing brace alone at column 0, which is what this scan relies on.
Lambdas and class bodies are counted inside the function that holds them.

Usage: check_function_length.py [--limit N] [--list] [ROOT]
       check_function_length.py --self-test
"""
import os
import re
import sys
import tempfile

SIGNATURE_START = re.compile(r"^[A-Za-z_~]")
SKIPPED = ("namespace", "class ", "struct ", "enum ", "using ", "template", "typedef", "extern",
           "static_assert", "#")


def long_functions(root, limit):
    found = []
    for folder, _, files in os.walk(os.path.join(root, "src")):
        for name in sorted(files):
            if not name.endswith(".cpp"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
            i = 0
            while i < len(lines):
                line = lines[i]
                if not SIGNATURE_START.match(line) or line.startswith(SKIPPED):
                    i += 1
                    continue
                # A signature at column 0 whose lines run to a '{' before any ';'.
                j = i
                while j < len(lines) and j < i + 12 and not lines[j].rstrip().endswith(("{", ";")):
                    j += 1
                if j >= len(lines) or not lines[j].rstrip().endswith("{") or "=" in line.split("(")[0]:
                    i += 1
                    continue
                end = j + 1
                while end < len(lines) and lines[end] != "}":
                    end += 1
                length = end - i + 1
                above = lines[i - 1] if i > 0 else ""
                if i > 0 and lines[i - 1].startswith("template"):
                    above = lines[i - 2] if i > 1 else ""
                if length > limit and not above.lstrip().startswith("// long:"):
                    found.append((os.path.relpath(path, root), i + 1, length, line.strip()[:70]))
                i = end + 1
    return found


def self_test():
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "src"))
        body = "\n".join(f"  x += {k};" for k in range(90))
        with open(os.path.join(root, "src", "a.cpp"), "w") as f:
            f.write(f"int short_one(int x) {{\n  return x;\n}}\n\nint long_one(int x,\n"
                    f"             int y) {{\n{body}\n  return x;\n}}\n\n// long: a table\n"
                    f"int excused(int x) {{\n{body}\n  return x;\n}}\n")
        found = long_functions(root, 80)
        if len(found) != 1 or found[0][:3] != ("src/a.cpp", 5, 94):
            print("self-test failed: expected src/a.cpp:5 (94 lines), got", found)
            return 1
    print("self-test passed: the long function was found, the excused one was not")
    return 0


def main():
    args = sys.argv[1:]
    if args == ["--self-test"]:
        return self_test()
    limit = 80
    if "--limit" in args:
        limit = int(args[args.index("--limit") + 1])
        del args[args.index("--limit"):args.index("--limit") + 2]
    listing = "--list" in args
    args = [a for a in args if a != "--list"]
    root = args[0] if args else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = long_functions(root, limit)
    for path, line, length, text in sorted(found, key=lambda f: -f[2]):
        print(f"{path}:{line}: {length} lines: {text}")
    if found and not listing:
        print(f"{len(found)} function(s) longer than {limit} lines without a '// long:' reason")
        return 1
    if not found:
        print(f"every function in src/ is at most {limit} lines or says why")
    return 0


if __name__ == "__main__":
    sys.exit(main())
