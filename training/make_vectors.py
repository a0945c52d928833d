#!/usr/bin/python3
"""Write the vectors the TypeScript runtime tests itself against:

- test/fixtures/tokenizer-vectors.jsonl: for texts sampled from ADE dev, 10 MTSamples notes (cut to
  <= 2000 chars) and hand-made edge cases, the tokens ({id, start, end}, UTF-16 offsets into the original
  text, no [CLS]/[SEP]) that the Python tokenizers of the default bundle ("default") and of the Optimum
  fixture ("optimum-bert") produce.

    /usr/bin/python3 training/make_vectors.py     (after train.py and make_optimum_fixture.py)

test/fixtures/emissions-vectors.json (the default model's emissions computed by torch for 3 short texts,
and the Viterbi tag ids over them with the bundle's CRF parameters) is written by train.py itself, from the
module it exports (`write_emissions` below), unless --no-emissions.
"""
import argparse
import json
import os
import random
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (DEFAULT_DATA, LABELS, Utf16Map, char_ids_for, normalize_word, pre_tokenize,  # noqa: E402
                    read_jsonl, tags_to_spans)
from train import MAX_WORD_LEN, viterbi  # noqa: E402
from wordpiece import WordPiece  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

EDGE = [
    "Line one\r\nLine two\r\n\r\nLine four after CRLF.",
    "Patient drank café au lait; naïve to Crème brûlée. Señor Müller's ÉTAT.",
    "Mood improved 😀 after sertraline 50 mg 😀😀 daily.",
    "Tabs\tbetween\t\twords\tand  multiple   spaces    here.",
    "  leading and trailing spaces  ",
    "Allergies: Penicillin (hives), sulfa -> rash; NKDA? No.",
    "Dose 2.5mg/kg q12h x 3 days; INR 3.4 [ref 0.9-1.1] {note} #7 @home ~ok",
    "Em—dash, “curly quotes”, ‘single’, ellipsis… and non-breaking\u00a0space.",
    "Zero\u200bwidth joiner\u200d and soft\u00adhyphen.",
    "Chinese 药物 text and Ωmega, ß, İstanbul, ﬁ ligature.",
    "",
    "\n\n",
    "Methotrexate-induced pneumonitis (MTX) in a 45-year-old woman.",
]


def default_tokens(text, vocab):
    m = Utf16Map(text)
    return [{"id": vocab.get(normalize_word(text[a:b]), 1), "start": m.to16(a), "end": m.to16(b)}
            for a, b in pre_tokenize(text)]


def bert_tokens(text, wp):
    m = Utf16Map(text)
    return [{"id": pid, "start": m.to16(a), "end": m.to16(b)} for pid, a, b, _ in wp.encode(text)]


EMISSION_TEXTS = [
    "Intravenous azithromycin-induced ototoxicity.",
    "She developed severe hepatotoxicity and a rash after 3 weeks of Isoniazid and rifampin.",
    "Lisinopril 10 mg daily; stopped because of cough 😀 — switched to losartan.\r\nNo nausea.",
]


def write_emissions(model, bundle, out_path):
    """Emissions of the exported torch module (the same weights as model.onnx) for EMISSION_TEXTS."""
    with open(os.path.join(bundle, "tokenizer.json"), encoding="utf-8") as f:
        vocab = json.load(f)["model"]["vocab"]
    with open(os.path.join(bundle, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    with open(os.path.join(bundle, "manifest.json"), encoding="utf-8") as f:
        man = json.load(f)
    alphabet = cfg["inputs"]["char_ids"]["alphabet"]
    model.eval()
    dec = cfg["decoder"]
    tr, s0, e0 = (np.array(dec[k], dtype=np.float64) for k in ("transitions", "start_transitions", "end_transitions"))
    alpha_idx = {c: i for i, c in enumerate(alphabet)}
    cases = []
    for t in EMISSION_TEXTS:
        toks = pre_tokenize(t)
        m = Utf16Map(t)
        ids = [vocab.get(normalize_word(t[x:y]), 1) for x, y in toks]
        chars = char_ids_for(t, toks, alpha_idx, MAX_WORD_LEN)
        with torch.no_grad():
            it = torch.tensor([ids])
            em = model(it, torch.ones_like(it), torch.tensor([chars]))[0].numpy()
        tags = viterbi(em.astype(np.float64), tr, s0, e0)
        spans = [{"label": l, "start": m.to16(x), "end": m.to16(y), "text": t[x:y]}
                 for l, x, y in tags_to_spans(toks, tags)]
        cases.append({"text": t, "tokens": [{"id": i, "start": m.to16(x), "end": m.to16(y)} for i, (x, y) in zip(ids, toks)],
                      "char_ids": chars, "logits": [[round(float(v), 6) for v in row] for row in em],
                      "tags": tags, "labels": [LABELS[k] for k in tags], "spans": spans})
    out = {"bundle": "models/default", "version": man["version"], "tolerance": 1e-4,
           "note": "logits = the CRF emissions computed by torch from the same module exported to model.onnx; "
                   "tags = Viterbi with config.json's CRF parameters; offsets are UTF-16",
           "cases": cases}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--bundle", default=os.path.join(ROOT, "models", "default"))
    ap.add_argument("--bert", default=os.path.join(ROOT, "test", "fixtures", "optimum-bert"))
    ap.add_argument("--out", default=os.path.join(ROOT, "test", "fixtures"))
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()

    with open(os.path.join(args.bundle, "tokenizer.json"), encoding="utf-8") as f:
        vocab = json.load(f)["model"]["vocab"]
    with open(os.path.join(args.bert, "tokenizer.json"), encoding="utf-8") as f:
        wp = WordPiece(json.load(f)["model"]["vocab"])

    rnd = random.Random(args.seed)
    dev = read_jsonl(os.path.join(args.data, "ade", "dev.jsonl"))
    texts = [("ade-dev:" + r["id"], r["text"]) for r in rnd.sample(dev, 85)]
    nd = os.path.join(args.data, "notes", "mtsamples")
    notes = sorted(fn for fn in os.listdir(nd) if fn.endswith(".txt"))
    for fn in rnd.sample(notes, 10):
        with open(os.path.join(nd, fn), encoding="utf-8", newline="") as f:
            texts.append(("mtsamples:" + fn, f.read()[:2000]))
    texts += [("edge:%d" % i, t) for i, t in enumerate(EDGE)]
    n = 0
    with open(os.path.join(args.out, "tokenizer-vectors.jsonl"), "w", encoding="utf-8") as f:
        for src, t in texts:
            for name, toks in (("default", default_tokens(t, vocab)), ("optimum-bert", bert_tokens(t, wp))):
                f.write(json.dumps({"source": src, "text": t, "tokenizer": name, "tokens": toks},
                                   ensure_ascii=False) + "\n")
                n += 1
    print("tokenizer vectors:", n, "rows")



if __name__ == "__main__":
    main()
