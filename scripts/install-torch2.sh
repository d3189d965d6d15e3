#!/usr/bin/env bash
# Installs the PyTorch 2.x oracle (issue #18): PyTorch, torchvision, timm, torchinfo, safetensors
# and transformers from PyPI at the exact versions of tools/requirements-torch2.txt, into a
# virtual environment outside the clone, so that fresh clones (CI's) reuse it:
#   ${WEIGHTINIT_TORCH2_VENV:-$HOME/.cache/weightinit/torch2-venv}
# Nothing is downloaded when the environment already holds these requirements (a stamp file
# records them). Debian's python3-torch 1.13.1 stays the other oracle (scripts/install-deps.sh).
# Usage: bash scripts/install-torch2.sh
set -euo pipefail
cd "$(dirname "$0")/.."
home="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"  # HOME may be unset under CI
venv="${WEIGHTINIT_TORCH2_VENV:-$home/.cache/weightinit/torch2-venv}"
requirements=tools/requirements-torch2.txt
stamp="$venv/.weightinit-requirements"

if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$stamp"; then
  echo "install-torch2: $venv holds $(grep -c '==' "$requirements") pinned packages (torch $(
    grep '^torch==' "$requirements" | cut -d= -f3))"
  exit 0
fi
# The python3 on PATH (pyenv's 3.11 on these machines); Debian's /usr/bin/python3 keeps 1.13.
python=$(command -v python3)
echo "install-torch2: installing $requirements into $venv with $python (several GB, once)"
mkdir -p "$(dirname "$venv")"
"$python" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
"$venv/bin/python" -c "import torch, torchvision, timm, torchinfo, safetensors, transformers"
cp "$requirements" "$stamp"
echo "install-torch2: done ($("$venv/bin/python" -c 'import torch; print("torch", torch.__version__)'))"
