"""In-domain clinical notes for training (issue 4): the hand-labelled notes train set, cut into windows,
and (weak supervision) unlabelled MTSamples notes with every drug of a lexicon labelled DRUG.

The notes dev set (data/notes-labelled/dev.jsonl) is never read here except for its list of FILES, which
are excluded from everything training reads (word2vec text, weak notes).
"""
import json
import os

from common import Utf16Map, pre_tokenize, read_jsonl
from relabel import _matches

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
NOTES_TRAIN = os.path.join(REPO, "data", "notes-labelled", "train.jsonl")
NOTES_DEV = os.path.join(REPO, "data", "notes-labelled", "dev.jsonl")


def load_notes(path):
    """Interchange rows (UTF-16 spans) -> {id, file, text, spans: [(label, start, end)] code points}."""
    out = []
    for r in read_jsonl(path):
        m = Utf16Map(r["text"])
        spans = [(s["label"], m.from16(s["start"]), m.from16(s["end"])) for s in r["spans"]]
        out.append({"id": r["id"], "file": r.get("file"), "text": r["text"], "spans": spans})
    return out


def dev_files(path=NOTES_DEV):
    """Basenames of the notes dev files (only to EXCLUDE them from training text)."""
    out = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.add(os.path.basename(json.loads(line)["file"]))
    return out


def windows(row, max_tokens=128):
    """Cut a note into windows of whole lines (consecutive lines packed up to max_tokens words, so a
    section header stays with its first lines); a longer line is cut between words, never inside a span.
    Returns rows {id, text, spans} with offsets relative to the window."""
    t = row["text"]
    toks = pre_tokenize(t)
    if not toks:
        return []
    spans = row["spans"]
    inside = [False] * len(toks)  # token i+1 may not start a window (a span continues across it)
    for _, s, e in spans:
        idx = [i for i, (a, b) in enumerate(toks) if a < e and b > s]
        for i in idx[1:]:
            inside[i] = True
    # line starts
    starts = [0] + [i for i in range(1, len(toks)) if "\n" in t[toks[i - 1][1]:toks[i][0]]]
    lines = [(a, b) for a, b in zip(starts, starts[1:] + [len(toks)])]
    pieces = []
    for a, b in lines:
        while b - a > max_tokens:
            cut = a + max_tokens
            while cut > a + 1 and inside[cut]:
                cut -= 1
            pieces.append((a, cut))
            a = cut
        pieces.append((a, b))
    wins, cur = [], None
    for a, b in pieces:
        if cur and b - cur[0] <= max_tokens:
            cur = (cur[0], b)
        else:
            if cur:
                wins.append(cur)
            cur = (a, b)
    wins.append(cur)
    out = []
    for k, (a, b) in enumerate(wins):
        cs, ce = toks[a][0], toks[b - 1][1]
        sp = [(l, s - cs, e - cs) for l, s, e in spans if s >= cs and e <= ce]
        out.append({"id": "%s#%d" % (row["id"], k), "text": t[cs:ce], "spans": sp})
    return out


def extend_lexicon(lex, notes_rows, exclude=()):
    """Add the DRUG strings of the notes TRAIN set (as lower-cased token tuples) to a lexicon."""
    lex = set(lex)
    n0 = len(lex)
    for r in notes_rows:
        t = r["text"]
        for l, s, e in r["spans"]:
            if l == "DRUG":
                sub = t[s:e]
                k = tuple(sub[a:b].lower() for a, b in pre_tokenize(sub))
                if k and len("".join(k)) >= 3 and " ".join(k) not in exclude:
                    lex.add(k)
    return lex, len(lex) - n0


def weak_notes(data_dir, lex, skip_files, max_tokens=128):
    """Unlabelled MTSamples notes (not in skip_files) with every longest lexicon match labelled DRUG,
    except a match glued by a hyphen to another word ('non-insulin-dependent') or followed by
    'deficiency'/'level(s)' (guideline: drug words inside disease names / lab analytes are not DRUG).
    ADE is left unlabelled (O): real notes rarely contain one. Returns window rows and the DRUG count."""
    nd = os.path.join(data_dir, "notes", "mtsamples")
    maxn = max(len(x) for x in lex)
    rows, added = [], 0
    for fn in sorted(os.listdir(nd)):
        if not fn.endswith(".txt") or fn in skip_files:
            continue
        with open(os.path.join(nd, fn), encoding="utf-8") as f:
            t = f.read()
        toks = pre_tokenize(t)
        words = [t[a:b].lower() for a, b in toks]
        spans = []
        for i, n in _matches(words, lex, maxn):
            s, e = toks[i][0], toks[i + n - 1][1]
            j = i + n
            if (s > 0 and t[s - 1] == "-") or (e < len(t) and t[e] == "-"):
                continue
            if j < len(words) and words[j] in ("deficiency", "level", "levels"):
                continue
            spans.append(("DRUG", s, e))
        added += len(spans)
        # only windows with a lexicon drug: a window without one is mostly unlabelled text whose drugs
        # the lexicon misses (false O), with little to teach
        rows += [w for w in windows({"id": fn[:-4], "text": t, "spans": spans}, max_tokens) if w["spans"]]
    return rows, added
