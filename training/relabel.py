"""Relabel the ADE corpus's unlabelled drugs.

The corpus labels a DRUG only where the sentence ties it to an ADE (../shared/data/README.md). We build a
lexicon from the DRUG spans the corpus itself labels (as lower-cased token sequences), keep an entry only
if, in the corpus's POSITIVE sentences (where drugs are labelled), its matches are labelled DRUG at least
`min_ratio` of the time (this drops noise such as 'of' or 'gold' used as an adjective), then label every
longest exact token match that overlaps no existing span as DRUG.
"""
import collections

from common import pre_tokenize


def _matches(words, lex, maxn):
    """Greedy longest match, left to right: [(i, n)]."""
    out = []
    i = 0
    while i < len(words):
        hit = 0
        for n in range(min(maxn, len(words) - i), 0, -1):
            if tuple(words[i:i + n]) in lex:
                hit = n
                break
        if hit:
            out.append((i, hit))
            i += hit
        else:
            i += 1
    return out


# Not medications by the annotation guideline (alcohol, recreational drugs, oxygen, fluids), or too
# ambiguous as bare strings (units, procedures).
EXCLUDE = {"oxygen", "o2", "alcohol", "ethanol", "methanol", "saline", "tobacco", "nicotine", "cocaine",
           "heroin", "marijuana", "cannabis", "mm", "lasik", "blood", "water", "glucose", "phosphate",
           "contrast", "drug", "drugs", "medication", "medications"}


def build_lexicon(rows, min_ratio=0.5):
    lex = set()
    for r in rows:
        t = r["text"]
        for l, s, e in r["spans"]:
            if l == "DRUG":
                sub = t[s:e]
                lex.add(tuple(sub[a:b].lower() for a, b in pre_tokenize(sub)))
    lex.discard(())
    maxn = max(len(x) for x in lex)
    lab, occ = collections.Counter(), collections.Counter()
    for r in rows:
        if not r["spans"]:
            continue
        t = r["text"]
        toks = pre_tokenize(t)
        words = [t[a:b].lower() for a, b in toks]
        drugs = {(s, e) for l, s, e in r["spans"] if l == "DRUG"}
        others = [(s, e) for l, s, e in r["spans"] if l != "DRUG"]
        for i, n in _matches(words, lex, maxn):
            s, e = toks[i][0], toks[i + n - 1][1]
            if (s, e) not in drugs and any(a < e and b > s for a, b in others):
                continue  # a drug word inside an ADE mention: not evidence either way
            k = tuple(words[i:i + n])
            occ[k] += 1
            lab[k] += (s, e) in drugs
    keep = {k for k in lex if occ[k] and lab[k] / occ[k] >= min_ratio
            and " ".join(k) not in EXCLUDE and len("".join(k)) >= 3}
    return keep


def relabel(rows, lex):
    """Copies of rows with extra DRUG spans (code-point offsets) for lexicon matches overlapping no span."""
    maxn = max(len(x) for x in lex)
    out, added = [], 0
    for r in rows:
        t = r["text"]
        toks = pre_tokenize(t)
        words = [t[a:b].lower() for a, b in toks]
        spans = list(r["spans"])
        for i, n in _matches(words, lex, maxn):
            s, e = toks[i][0], toks[i + n - 1][1]
            if any(a < e and b > s for _, a, b in spans):
                continue
            spans.append(("DRUG", s, e))
            added += 1
        nr = dict(r)
        nr["spans"] = sorted(spans, key=lambda x: (x[1], x[2]))
        out.append(nr)
    return out, added
