#!/usr/bin/env bash
# The README's quick start: installs what is missing (Debian 12 packages, make included),
# builds in Release, then runs the demo (`demo`) or the whole test suite (`test`).
# Usage: bash scripts/quickstart.sh demo|test
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-}"
case "$target" in
  demo|test) ;;
  *) echo "usage: bash scripts/quickstart.sh demo|test" >&2; exit 2 ;;
esac
bash scripts/install-deps.sh
exec make "$target"
