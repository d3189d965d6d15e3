#!/usr/bin/env bash
# Installs the PyTorch 2.x oracles (issue #18), outside the clone so that fresh clones (CI's)
# reuse them:
#   ${WEIGHTINIT_TORCH2_VENV:-$HOME/.cache/weightinit/torch2-venv}: PyTorch 2.14.1, torchvision,
#     timm, torchinfo, safetensors, transformers and MKL (tools/requirements-torch2.txt);
#   ${WEIGHTINIT_TORCH215_VENV:-$HOME/.cache/weightinit/torch215-venv}: PyTorch 2.15.0 alone
#     (tools/requirements-torch215.txt), the newest release PyPI serves.
# Nothing is downloaded when the environment already holds these requirements (a stamp file
# records them). Debian's python3-torch 1.13.1 stays the other oracle (scripts/install-deps.sh).
# Usage: bash scripts/install-torch2.sh
set -euo pipefail
cd "$(dirname "$0")/.."
home="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"  # HOME may be unset under CI

# install VENV REQUIREMENTS: the venv holds exactly REQUIREMENTS (a stamp records them).
install() {
  local venv="$1" requirements="$2"
  local stamp="$venv/.weightinit-requirements"
  if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$stamp"; then
    echo "install-torch2: $venv holds $(grep -c '==' "$requirements") pinned packages (torch $(
      grep '^torch==' "$requirements" | cut -d= -f3))"
    return 0
  fi
  # The python3 on PATH (pyenv's 3.11 on these machines); Debian's /usr/bin/python3 keeps 1.13.
  local python
  python=$(command -v python3)
  echo "install-torch2: installing $requirements into $venv with $python (several GB, once)"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  "$venv/bin/python" -c "import torch"
  cp "$requirements" "$stamp"
  echo "install-torch2: done ($("$venv/bin/python" -c 'import torch; print("torch", torch.__version__)'))"
}

install "${WEIGHTINIT_TORCH2_VENV:-$home/.cache/weightinit/torch2-venv}" tools/requirements-torch2.txt
"${WEIGHTINIT_TORCH2_VENV:-$home/.cache/weightinit/torch2-venv}/bin/python" \
  -c "import torch, torchvision, timm, torchinfo, safetensors, transformers"
install "${WEIGHTINIT_TORCH215_VENV:-$home/.cache/weightinit/torch215-venv}" \
  tools/requirements-torch215.txt
