#!/usr/bin/python3
"""Span F1 with bootstrap 95% intervals over documents (notes), from the CLI's predictions.

    node dist/cli.js predict --model DIR --jsonl data/notes-labelled/dev.jsonl > /tmp/pred.jsonl
    /usr/bin/python3 training/bootstrap.py --gold data/notes-labelled/dev.jsonl NAME=/tmp/pred.jsonl [...]

Gold and predicted rows are paired by `id` (else `file`); offsets are compared as they are (both UTF-16,
the interchange format). Metrics are those of `sidelight eval` (training/metrics.py): strict and lenient
P/R/F1 per label, micro over documents. The interval: resample the documents with replacement (`--n`
times, default 1000, seed 13), recompute F1 on each resample, take the 2.5th and 97.5th percentiles.
Several prediction files are resampled with the SAME document draws, so their intervals are comparable and
`--vs NAME` also reports the interval of the difference to that run.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metrics import evaluate  # noqa: E402


def read_rows(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def key(r):
    return r.get("id") or r.get("file")


def spans(r):
    return [(s["label"], s["start"], s["end"]) for s in r.get("spans", [])]


METRICS = [("ADE", "lenient"), ("DRUG", "lenient"), ("ADE", "strict"), ("DRUG", "strict")]


def f1s(golds, preds, prf=False):
    """F1 per METRICS entry ("ADE lenient", ...); with prf also "ADE lenient P", "ADE lenient R", ..."""
    m = evaluate(golds, preds)
    out = {"%s %s" % (lab, kind): m[lab][kind]["f1"] for lab, kind in METRICS}
    if prf:
        for lab, kind in METRICS:
            out["%s %s P" % (lab, kind)] = m[lab][kind]["p"]
            out["%s %s R" % (lab, kind)] = m[lab][kind]["r"]
    return out


def pct(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    i = min(len(xs) - 1, max(0, int(round(q * (len(xs) - 1)))))
    return xs[i]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", required=True)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--vs", default=None, help="also the interval of each run's difference to this run")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--prf", action="store_true", help="also precision and recall, each with its interval")
    ap.add_argument("runs", nargs="+", help="NAME=predictions.jsonl")
    a = ap.parse_args(argv)
    gold_rows = read_rows(a.gold)
    keys = [key(r) for r in gold_rows]
    golds = [spans(r) for r in gold_rows]
    runs = {}
    for spec in a.runs:
        name, path = spec.split("=", 1)
        by = {key(r): spans(r) for r in read_rows(path)}
        missing = [k for k in keys if k not in by]
        if missing:
            sys.exit("%s: no prediction for %d gold rows (e.g. %s)" % (path, len(missing), missing[0]))
        runs[name] = [by[k] for k in keys]
    rng = random.Random(a.seed)
    n = len(keys)
    draws = [[rng.randrange(n) for _ in range(n)] for _ in range(a.n)]
    out = {}
    samples = {}
    for name, preds in runs.items():
        point = f1s(golds, preds, a.prf)
        samp = [f1s([golds[i] for i in d], [preds[i] for i in d], a.prf) for d in draws]
        samples[name] = samp
        out[name] = {m: {"f1": point[m], "lo": pct([s[m] for s in samp], 0.025), "hi": pct([s[m] for s in samp], 0.975)}
                     for m in point}
    if a.vs:
        for name in runs:
            if name == a.vs:
                continue
            for m in out[name]:
                d = [x[m] - y[m] for x, y in zip(samples[name], samples[a.vs])]
                out[name][m]["diff_vs_" + a.vs] = {"lo": round(pct(d, 0.025), 4), "hi": round(pct(d, 0.975), 4)}
    if a.json:
        print(json.dumps(out, indent=1))
        return out
    print("%d documents, %d resamples (seed %d)" % (n, a.n, a.seed))
    for name, res in out.items():
        print(name)
        for m, v in res.items():
            extra = ""
            if "diff_vs_" + str(a.vs) in v:
                dd = v["diff_vs_" + a.vs]
                extra = "   diff vs %s [%.3f, %.3f]" % (a.vs, dd["lo"], dd["hi"])
            print("  %-15s %.3f  [%.3f, %.3f]%s" % (m, v["f1"], v["lo"], v["hi"], extra))
    return out


if __name__ == "__main__":
    main()
