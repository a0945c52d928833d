#!/usr/bin/python3
"""Build the test fixtures test/fixtures/optimum-bert and test/fixtures/optimum-bert-no-tti: a tiny
BERT-style token classifier in exactly the Hugging Face Optimum token-classification export format
(inputs input_ids / attention_mask / token_type_ids int64 [batch, sequence] -> logits [batch, sequence, 5])
with a WordPiece tokenizer.json, a BertConfig-like config.json and a manifest.json. It is trained for a
minute or two on ../shared/data/ade/train.jsonl so its predictions are not trivial; it is NOT a good model.

    /usr/bin/python3 training/make_optimum_fixture.py [--data DIR] [--minutes 2]
"""
import argparse
import datetime
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import DEFAULT_DATA, LABELS, LABEL2ID, load_ade, spans_to_tags, tags_to_spans  # noqa: E402
from metrics import evaluate, format_table  # noqa: E402
from train import sha256, write_json  # noqa: E402
from wordpiece import WordPiece, build_vocab, tokenizer_json  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
MAX_POS = 128


class Layer(nn.Module):
    def __init__(self, h, heads, inter):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.ln1 = nn.LayerNorm(h, eps=1e-12)
        self.f1 = nn.Linear(h, inter)
        self.f2 = nn.Linear(inter, h)
        self.ln2 = nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(0.1)

    def forward(self, x, bias):
        B, S, H = x.shape
        d = H // self.heads

        def split(t):
            return t.reshape(B, S, self.heads, d).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + bias
        att = self.drop(torch.softmax(att, dim=-1))
        ctx = torch.matmul(att, v).transpose(1, 2).reshape(B, S, H)
        x = self.ln1(x + self.drop(self.o(ctx)))
        return self.ln2(x + self.drop(self.f2(nn.functional.gelu(self.f1(x)))))


class TinyBert(nn.Module):
    def __init__(self, V, h=48, layers=2, heads=4, inter=96):
        super().__init__()
        self.word = nn.Embedding(V, h, padding_idx=0)
        self.pos = nn.Embedding(MAX_POS, h)
        self.tt = nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(0.1)
        self.layers = nn.ModuleList([Layer(h, heads, inter) for _ in range(layers)])
        self.cls = nn.Linear(h, len(LABELS))

    def forward(self, input_ids, attention_mask, token_type_ids):
        pos = torch.cumsum(torch.ones_like(input_ids), dim=1) - 1
        x = self.word(input_ids) + self.pos(pos) + self.tt(token_type_ids)
        x = self.drop(self.ln(x))
        # padded keys get -10000 like BERT's extended attention mask: real padding invariance
        bias = (1.0 - attention_mask.to(torch.float32))[:, None, None, :] * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return self.cls(self.drop(x))


class NoTTI(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids, attention_mask, torch.zeros_like(input_ids))


def encode(rows, wp, cls, sep):
    out = []
    for r in rows:
        pieces = wp.encode(r["text"])[: MAX_POS - 2]
        # word tag -> first piece gets the tag, continuation pieces are ignored (-100)
        words = {}
        for p in pieces:
            words.setdefault(p[3], [p[1], p[2]])[1] = p[2]
        wi = sorted(words)
        wtags, _ = spans_to_tags([tuple(words[w]) for w in wi], r["spans"])
        wtag = dict(zip(wi, wtags))
        ids, labels, seen = [cls], [-100], set()
        for pid, a, b, w in pieces:
            ids.append(pid)
            labels.append(wtag[w] if w not in seen else -100)
            seen.add(w)
        ids.append(sep)
        labels.append(-100)
        out.append({"ids": ids, "labels": labels, "pieces": pieces})
    return out


def batchify(items):
    T = max(len(it["ids"]) for it in items)
    ids = torch.zeros(len(items), T, dtype=torch.long)
    am = torch.zeros(len(items), T, dtype=torch.long)
    lab = torch.full((len(items), T), -100, dtype=torch.long)
    for i, it in enumerate(items):
        n = len(it["ids"])
        ids[i, :n] = torch.tensor(it["ids"])
        am[i, :n] = 1
        lab[i, :n] = torch.tensor(it["labels"])
    return ids, am, lab


def dev_spans(model, data):
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(data), 64):
            items = data[i:i + 64]
            ids, am, _ = batchify(items)
            lg = model(ids, am, torch.zeros_like(ids)).argmax(-1).numpy()
            for k, it in enumerate(items):
                toks, tags, seen = [], [], set()
                for j, (pid, a, b, w) in enumerate(it["pieces"]):
                    if w in seen:
                        toks[-1] = (toks[-1][0], b)
                        continue
                    seen.add(w)
                    toks.append((a, b))
                    tags.append(int(lg[k, j + 1]))
                preds.append(tags_to_spans(toks, tags))
    return preds


def export(model, path, with_tti):
    ids = torch.tensor([[2, 10, 11, 3], [2, 12, 3, 0]], dtype=torch.long)
    am = (ids != 0).long()
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_tti else [])
    args = (ids, am, torch.zeros_like(ids)) if with_tti else (ids, am)
    mod = model if with_tti else NoTTI(model)
    axes = {n: {0: "batch_size", 1: "sequence_length"} for n in names}
    axes["logits"] = {0: "batch_size", 1: "sequence_length"}
    torch.onnx.export(mod, args, path, opset_version=14, input_names=names, output_names=["logits"],
                      dynamic_axes=axes)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    assert [i.name for i in m.graph.input] == names


def bert_config(V, h, layers, heads, inter):
    return {
        "_name_or_path": "sidelight/optimum-bert-fixture",
        "architectures": ["BertForTokenClassification"],
        "attention_probs_dropout_prob": 0.1, "classifier_dropout": None, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "hidden_size": h,
        "id2label": {str(i): l for i, l in enumerate(LABELS)}, "initializer_range": 0.02,
        "intermediate_size": inter, "label2id": dict(LABEL2ID), "layer_norm_eps": 1e-12,
        "max_position_embeddings": MAX_POS, "model_type": "bert", "num_attention_heads": heads,
        "num_hidden_layers": layers, "pad_token_id": 0, "position_embedding_type": "absolute",
        "torch_dtype": "float32", "transformers_version": "4.36.2", "type_vocab_size": 2,
        "use_cache": True, "vocab_size": V,
    }


def write_bundle(out, model, vocab, cfg, with_tti, metrics, seed, cmd):
    os.makedirs(out, exist_ok=True)
    export(model, os.path.join(out, "model.onnx"), with_tti)
    write_json(os.path.join(out, "tokenizer.json"), tokenizer_json(vocab), ensure_ascii=False)
    write_json(os.path.join(out, "config.json"), cfg, indent=2)
    files = {}
    for fn in ("model.onnx", "tokenizer.json", "config.json"):
        p = os.path.join(out, fn)
        files[fn] = {"sha256": sha256(p), "size": os.path.getsize(p)}
    now = datetime.datetime.now(datetime.timezone.utc)
    write_json(os.path.join(out, "manifest.json"), {
        "name": "optimum-bert-fixture" + ("" if with_tti else "-no-tti"),
        "version": now.strftime("%Y.%m.%d-%H%M"), "createdAt": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": files, "labels": ["ADE", "DRUG"],
        "training": {"data": ["shared/data/ade/train.jsonl"], "command": cmd, "seed": seed,
                     "note": "test fixture in the Hugging Face Optimum export format; not a useful model"},
        "metrics": {"ade_dev": metrics}}, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(ROOT, "test", "fixtures"))
    ap.add_argument("--save-state", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    train = load_ade(os.path.join(args.data, "ade", "train.jsonl"))
    dev = load_ade(os.path.join(args.data, "ade", "dev.jsonl"))
    vocab = build_vocab([r["text"] for r in train])
    wp = WordPiece(vocab)
    print("vocab", len(vocab))
    tr = encode(train, wp, vocab["[CLS]"], vocab["[SEP]"])
    dv = encode(dev, wp, vocab["[CLS]"], vocab["[SEP]"])
    h, layers, heads, inter = 48, 2, 4, 96
    model = TinyBert(len(vocab), h, layers, heads, inter)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    # down-weight O so that a short training run already predicts some spans
    weight = torch.tensor([0.3, 1.0, 1.0, 1.0, 1.0])
    order = sorted(range(len(tr)), key=lambda i: len(tr[i]["ids"]))
    batches = [order[i:i + 32] for i in range(0, len(order), 32)]
    t0 = time.time()
    ep = 0
    while time.time() - t0 < args.minutes * 60:
        ep += 1
        random.shuffle(batches)
        model.train()
        for b in batches:
            ids, am, lab = batchify([tr[i] for i in b])
            lg = model(ids, am, torch.zeros_like(ids))
            loss = nn.functional.cross_entropy(lg.reshape(-1, len(LABELS)), lab.reshape(-1), ignore_index=-100,
                                           weight=weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if time.time() - t0 > args.minutes * 60:
                break
        m = evaluate([r["spans"] for r in dev], dev_spans(model, dv))
        print("epoch %d %.0fs" % (ep, time.time() - t0))
        print(format_table(m))
    model.eval()
    metrics = {k: {"strict": v["strict"], "lenient": v["lenient"]} for k, v in m.items()}
    cfg = bert_config(len(vocab), h, layers, heads, inter)
    cmd = "/usr/bin/python3 training/make_optimum_fixture.py"
    write_bundle(os.path.join(args.out, "optimum-bert"), model, vocab, cfg, True, metrics, args.seed, cmd)
    write_bundle(os.path.join(args.out, "optimum-bert-no-tti"), model, vocab, cfg, False, metrics, args.seed, cmd)
    if args.save_state:
        torch.save({"state": model.state_dict(), "vocab": vocab, "cfg": cfg}, args.save_state)
    print("written", args.out)


if __name__ == "__main__":
    main()
