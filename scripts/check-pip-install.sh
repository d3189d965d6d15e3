#!/usr/bin/env bash
# `pip install .` of the Python package into the PyTorch 2.x oracle's venv (issue #22), then its
# installed-package tests (python/tests/installed/) with the repository's sources out of the
# path. No build isolation: the venv holds the pinned scikit-build-core and nanobind.
# Usage: bash scripts/check-pip-install.sh [VENV]   (default ~/.cache/weightinit/torch2-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-${WEIGHTINIT_TORCH2_VENV:-$HOME/.cache/weightinit/torch2-venv}}"
echo "check-pip-install: pip install . into $venv"
"$venv/bin/pip" install -q --disable-pip-version-check --no-build-isolation --no-deps \
  --force-reinstall .
cd /tmp
OMP_NUM_THREADS=1 "$venv/bin/python" -m pytest -q -p no:cacheprovider \
  "$OLDPWD/python/tests/installed"
