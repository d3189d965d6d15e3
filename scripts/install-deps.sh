#!/usr/bin/env bash
# Installs the Debian 12 packages weightinit needs to build, test and benchmark, and only
# those that are missing (apt-get as root, or through sudo otherwise), then the PyTorch 2.x
# oracle from PyPI (scripts/install-torch2.sh: a cached venv outside the clone).
set -euo pipefail

packages=(
  build-essential cmake make pkg-config
  libgtest-dev libgmock-dev        # unit tests (GoogleTest)
  libbenchmark-dev                 # bench/ (Google Benchmark)
  nlohmann-json3-dev               # golden files and JSON output
  libcli11-dev                     # the weightinit command line
  liblapack-dev libopenblas-dev    # QR for orthogonal_ (the LAPACK PyTorch uses)
  python3-torch                    # reference PyTorch 1.13.1 for golden and differential tests
  python3-venv                     # the venv of the PyTorch 2.x oracle (scripts/install-torch2.sh)
  python3-torchvision              # the zoo's reference models (tests/io, tools/torch_zoo.py)
  libssl-dev                       # SHA-256 of tensors in the zoo test (OpenSSL libcrypto)
  zlib1g-dev                       # gzip reading of the IDX data files (src/data)
  libxxhash-dev                    # XXH3 digests of streamed chunks (--resume journal; header-only)
  libntl-dev                       # GF(2)[x] arithmetic for MT19937 jump-ahead
  libdnnl-dev                      # oneDNN: float32 convolutions (optional; im2col without it)
  dataset-fashion-mnist            # Fashion-MNIST IDX files for the data layer and its tests
  chromium                         # renders the HTML report in its test (headless)
  clang libclang-rt-14-dev libomp-dev  # scripts/hardening.sh: ASan/UBSan build and libFuzzer
  libopenmpi-dev openmpi-bin       # optional MPI CLI: mpirun -np K weightinit init ... --out DIR
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The second oracle: PyTorch 2.x from PyPI in a cached virtual environment (issue #18).
bash "$(dirname "$0")/install-torch2.sh"
