#!/usr/bin/env bash
# Sets up a fresh machine (Debian 12/13, Node 20) for the demo and the tests: Debian packages (as root),
# npm packages, and code-server in .cache/. Safe to run again: each step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# python3-torch, python3-onnx, python3-numpy, libopenblas0-openmp: the training recipe that `sidelight train`
# runs (tests run it for real; without the OpenMP BLAS an LSTM trains about 20x slower).
APT_PACKAGES=(chromium libkrb5-dev ripgrep git ca-certificates python3-torch python3-onnx python3-numpy libopenblas0-openmp)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages (install them as root): ${missing[*]}" >&2
    exit 1
  fi
fi

# onnxruntime-node's install script would download CUDA libraries; its CPU binaries ship in the package.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -d node_modules/onnxruntime-node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
bash scripts/install-code-server.sh
# The Spark test layer's PySpark venv and s3a jars (.cache/spark; skipped when already there).
bash scripts/setup-spark.sh
# The encoder recipe's venv over Debian's torch (.cache/encoder-venv; skipped when already there).
bash scripts/setup-encoder.sh
