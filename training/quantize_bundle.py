"""Dynamic int8 quantization of a bundle's model.onnx (onnxruntime.quantization): SRC bundle -> DST bundle
(tokenizer.json and config.json copied, manifest.json rewritten with the new sizes and hashes).

A separate process from training on purpose: Debian's torch 1.13 loads Debian's older onnx (1.12, no
onnx.reference), and onnxruntime's quantizer needs the pinned newer one; they cannot share a process.

    python training/quantize_bundle.py SRC DST
"""
import json
import os
import shutil
import sys

from onnxruntime.quantization import QuantType, quantize_dynamic

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bundle_manifest import write_manifest  # noqa: E402


def main(src, dst):
    os.makedirs(dst, exist_ok=True)
    for fn in ("tokenizer.json", "config.json"):
        shutil.copy(os.path.join(src, fn), os.path.join(dst, fn))
    # weights int8 per tensor, activations quantized at run time (DynamicQuantizeLinear + MatMulInteger):
    # no calibration data needed, and onnxruntime-node runs these ops on CPU
    quantize_dynamic(os.path.join(src, "model.onnx"), os.path.join(dst, "model.onnx"), weight_type=QuantType.QInt8)
    with open(os.path.join(src, "manifest.json"), encoding="utf-8") as f:
        man = json.load(f)
    extra = {k: v for k, v in man.items() if k not in ("name", "version", "createdAt", "files", "labels")}
    extra["quantization"] = "onnxruntime.quantization.quantize_dynamic, weights QInt8 (from the fp32 bundle %s)" % man["version"]
    write_manifest(dst, extra, name=man["name"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
