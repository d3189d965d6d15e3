#!/usr/bin/env bash
# Runs a script under the PyTorch 2.x oracle's interpreter (issue #18), or fails naming the
# install step: the oracle tests never skip silently.
# Usage: torch2_oracle.sh PYTHON SCRIPT [ARGS...]
set -euo pipefail
python="$1"
shift
if [ ! -x "$python" ]; then
  echo "the PyTorch 2.x oracle is missing: $python does not exist; run bash scripts/install-torch2.sh" \
       "(bash scripts/install-deps.sh runs it)" >&2
  exit 1
fi
exec "$python" "$@"
