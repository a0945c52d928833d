"""Span metrics, the same definitions as `sidelight eval`:
- strict: same label, same start and end (character offsets);
- lenient: same label and overlapping; each gold and each predicted span is paired at most once,
  greedily, largest overlap first.
Per label precision, recall, F1 (micro over all documents)."""


def _prf(tp_p, n_pred, tp_g, n_gold):
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_g / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4)}


def _lenient_pairs(gold, pred):
    """gold/pred: lists of (start, end) with one label. Number of greedy overlap pairs."""
    cands = []
    for gi, (gs, ge) in enumerate(gold):
        for pi, (ps, pe) in enumerate(pred):
            ov = min(ge, pe) - max(gs, ps)
            if ov > 0:
                cands.append((-ov, gi, pi))
    cands.sort()
    ug, up, n = set(), set(), 0
    for _, gi, pi in cands:
        if gi in ug or pi in up:
            continue
        ug.add(gi)
        up.add(pi)
        n += 1
    return n


def evaluate(golds, preds, labels=("ADE", "DRUG")):
    """golds, preds: lists (one item per document) of span lists [(label, start, end)].
    Returns {label: {"strict": {p,r,f1}, "lenient": {p,r,f1}, "n_gold", "n_pred"}}."""
    res = {}
    for lab in labels:
        ng = npred = st = ln = 0
        for g, p in zip(golds, preds):
            gl = sorted({(s, e) for l, s, e in g if l == lab})
            pl = sorted({(s, e) for l, s, e in p if l == lab})
            ng += len(gl)
            npred += len(pl)
            st += len(set(gl) & set(pl))
            ln += _lenient_pairs(gl, pl)
        res[lab] = {"strict": _prf(st, npred, st, ng), "lenient": _prf(ln, npred, ln, ng),
                    "n_gold": ng, "n_pred": npred}
    return res


def format_table(res, title=""):
    lines = [title] if title else []
    lines.append("label  | strict P  R  F1          | lenient P  R  F1        | gold pred")
    for lab, m in res.items():
        s, l = m["strict"], m["lenient"]
        lines.append("%-6s | %.3f %.3f %.3f | %.3f %.3f %.3f | %d %d" % (
            lab, s["p"], s["r"], s["f1"], l["p"], l["r"], l["f1"], m["n_gold"], m["n_pred"]))
    return "\n".join(lines)
