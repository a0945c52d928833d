#!/usr/bin/python3
"""Rebuild the torch module of a single-member default bundle from its model.onnx (weights only), to write
the emissions test vectors of a bundle whose torch state was not saved:

    /usr/bin/python3 training/onnx_to_torch.py models/default [test/fixtures/emissions-vectors.json]

torch.onnx.export stores the LSTM as ONNX `LSTM` initializers: W [dirs, 4H, in], R [dirs, 4H, H],
B [dirs, 8H] with gates in ONNX order (i, o, f, c); torch's order is (i, f, g, o), so blocks [0, 2, 3, 1].
The output layer is a MatMul by out.weight transposed. The emissions are then computed by torch (the same
arithmetic as training), independently of onnxruntime, which the TypeScript test compares them with.
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import Exported, Tagger  # noqa: E402
from make_vectors import write_emissions  # noqa: E402


def load(bundle):
    m = onnx.load(os.path.join(bundle, "model.onnx"))
    init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    with open(os.path.join(bundle, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    lstm = [n for n in m.graph.node if n.op_type == "LSTM"]
    assert len(lstm) == 1, "one LSTM layer expected"
    W, R, B = (init[x] for x in lstm[0].input[1:4])
    mm = [n for n in m.graph.node if n.op_type == "MatMul"]
    out_w = init[mm[-1].input[1]]
    emb = init["emb"]
    cemb = init["members.0.cemb.weight"]
    conv_w = init["members.0.conv.weight"]
    H = R.shape[2]
    V, wdim = emb.shape
    tag = Tagger(V, cemb.shape[0], wdim, cemb.shape[1], conv_w.shape[0], H, 1, 0.0)
    order = [0, 2, 3, 1]
    blk = lambda a: np.concatenate([a[k * H:(k + 1) * H] for k in order], 0)
    sd = tag.state_dict()
    sd["wemb.weight"] = torch.tensor(emb)
    sd["cemb.weight"] = torch.tensor(cemb)
    sd["conv.weight"] = torch.tensor(conv_w)
    sd["conv.bias"] = torch.tensor(init["members.0.conv.bias"])
    for d, suf in ((0, ""), (1, "_reverse")):
        sd["lstm.weight_ih_l0" + suf] = torch.tensor(blk(W[d]))
        sd["lstm.weight_hh_l0" + suf] = torch.tensor(blk(R[d]))
        sd["lstm.bias_ih_l0" + suf] = torch.tensor(blk(B[d][:4 * H]))
        sd["lstm.bias_hh_l0" + suf] = torch.tensor(blk(B[d][4 * H:]))
    sd["out.weight"] = torch.tensor(out_w.T.copy())
    sd["out.bias"] = torch.tensor(init["members.0.out.bias"])
    dec = cfg["decoder"]
    sd["trans"] = torch.tensor(dec["transitions"], dtype=torch.float32)
    sd["start"] = torch.tensor(dec["start_transitions"], dtype=torch.float32)
    sd["end"] = torch.tensor(dec["end_transitions"], dtype=torch.float32)
    tag.load_state_dict(sd)
    ex = Exported([tag], fp16_emb=False)
    ex.eval()
    return ex


if __name__ == "__main__":
    bundle = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "emissions-vectors.json")
    write_emissions(load(bundle), bundle, out)
    print("emissions vectors written to", out)
