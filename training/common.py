"""Shared helpers: the word-level pre-tokenizer of the default bundle, UTF-16 offset conversion,
ADE data loading, spans <-> IOB2 tags.

The pre-tokenizer is the Hugging Face `BertPreTokenizer` as the bundle contract defines it
(docs/model-bundle.md): split the ORIGINAL text on whitespace (`str.isspace()`), every punctuation
character is its own token. Tokens carry code-point offsets into the original string here; the data
and the TypeScript runtime use UTF-16 offsets, converted with `Utf16Map`.
"""
import json
import os
import re
import unicodedata

LABELS = ["O", "B-ADE", "I-ADE", "B-DRUG", "I-DRUG"]
LABEL2ID = {l: i for i, l in enumerate(LABELS)}
ENTITY_TYPES = ["ADE", "DRUG"]

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))


def is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def pre_tokenize(text):
    """BertPreTokenizer over the original text -> list of (start, end) code-point offsets."""
    toks = []
    start = None
    for i, ch in enumerate(text):
        if ch.isspace():
            if start is not None:
                toks.append((start, i))
                start = None
        elif is_punct(ch):
            if start is not None:
                toks.append((start, i))
                start = None
            toks.append((i, i + 1))
        else:
            if start is None:
                start = i
    if start is not None:
        toks.append((start, len(text)))
    return toks


_DIGIT = re.compile(r"[0-9]")


def normalize_word(s):
    """The default tokenizer's normalizer: Lowercase, then every ASCII digit -> '0'."""
    return _DIGIT.sub("0", s.lower())


class Utf16Map:
    """Code-point index <-> UTF-16 code-unit offset for one string."""

    def __init__(self, text):
        pref = [0]
        for ch in text:
            pref.append(pref[-1] + (2 if ord(ch) > 0xFFFF else 1))
        self.pref = pref
        self.inv = {u: i for i, u in enumerate(pref)}
        self.ascii = pref[-1] == len(text)

    def to16(self, i):
        return i if self.ascii else self.pref[i]

    def from16(self, u):
        if self.ascii:
            return u
        if u in self.inv:
            return self.inv[u]
        # inside a surrogate pair: round down
        while u not in self.inv:
            u -= 1
        return self.inv[u]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def load_ade(path):
    """Rows with text and spans converted to code-point offsets: list of dicts
    {id, text, spans: [(label, start, end)] (code points), spans16: [(label, start, end)] (UTF-16)}."""
    out = []
    for r in read_jsonl(path):
        m = Utf16Map(r["text"])
        spans16 = [(s["label"], s["start"], s["end"]) for s in r["spans"]]
        spans = [(l, m.from16(a), m.from16(b)) for l, a, b in spans16]
        out.append({"id": r["id"], "pmid": r.get("pmid"), "text": r["text"], "spans": spans,
                    "spans16": spans16})
    return out


def spans_to_tags(toks, spans):
    """IOB2 tag ids for tokens given code-point spans. A token belongs to a span when it overlaps it.
    Overlapping spans: the longer one is kept, the shorter/inner one dropped. Returns (tags, dropped)."""
    tags = [0] * len(toks)
    owner = [None] * len(toks)
    dropped = 0
    order = sorted(spans, key=lambda s: -(s[2] - s[1]))
    for label, s, e in order:
        idx = [i for i, (a, b) in enumerate(toks) if a < e and b > s]
        if not idx or any(owner[i] is not None for i in idx):
            dropped += 1
            continue
        for k, i in enumerate(idx):
            owner[i] = (label, s, e)
            tags[i] = LABEL2ID[("B-" if k == 0 else "I-") + label]
    return tags, dropped


def tags_to_spans(toks, tags):
    """IOB2 (with repair: an I- not continuing the same type starts a span) -> code-point spans
    [(label, start, end)] from the first token's start to the last token's end."""
    spans = []
    cur = None
    for (a, b), t in zip(toks, tags):
        name = t if isinstance(t, str) else LABELS[int(t)]
        if name == "O":
            if cur:
                spans.append(tuple(cur))
            cur = None
            continue
        bi, typ = name.split("-", 1)
        if bi == "B" or cur is None or cur[0] != typ:
            if cur:
                spans.append(tuple(cur))
            cur = [typ, a, b]
        else:
            cur[2] = b
    if cur:
        spans.append(tuple(cur))
    return spans


def char_ids_for(text, toks, alphabet_index, max_word_length):
    out = []
    for a, b in toks:
        w = text[a:b][:max_word_length]
        ids = [alphabet_index[ch] + 2 if ch in alphabet_index else 1 for ch in w]
        ids += [0] * (max_word_length - len(ids))
        out.append(ids)
    return out
