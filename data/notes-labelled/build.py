#!/usr/bin/env python3
"""Build the in-domain labelled notes set (train.jsonl / dev.jsonl) from per-note label files.

Stdlib only, deterministic, re-runnable:  python3 data/notes-labelled/build.py

Inputs
  work/<id>.labels   one file per labelled note (its presence means "this note was read and labelled";
                     a file with only comments is a note with no spans).  Lines:
                       LABEL <TAB> exact span text [<TAB> selector]
                     (" | " may be used instead of TAB as the separator)
                     LABEL is ADE or DRUG, or NOT (acknowledges an occurrence of a drug word that is not a
                     DRUG, e.g. "iron" in "iron deficiency"; used only by the consistency check).
                     selector:
                       (empty)   the text occurs exactly once in the note as a whole word
                       *         every whole-word occurrence (at least one)
                       #n[,m..]  the n-th whole-word occurrences, 1-based, in file order
                       @context  context (\\n = newline, \\t = tab) occurs exactly once in the note and the
                                 text occurs exactly once inside it
                     Matching is case-sensitive and whole-word (no letter/digit right before or after).
  ../../../shared/data/notes/{mtsamples,mtsamples-more}/  the notes (the parent overridable with --notes DIR)

Outputs (next to this script)
  train.jsonl, dev.jsonl   interchange JSONL rows
                           {"file","id","specialty","text","spans":[{"label","start","end","text"}]}
                           offsets = JavaScript string offsets (UTF-16 code units), end exclusive, on the
                           note text exactly as on disk (read with newline='' so CRLF would be kept).
  work/review.txt          every span with 40 characters of context, for proof-reading
  work/warnings.txt        drug words labelled somewhere in the set that occur unlabelled elsewhere
  README.md                the block between the stats markers is regenerated (counts and manifest)

Split rule (fixed before any model output was seen; stable when notes are added):
  dev  iff  int(sha256("sidelight-notes-dev-v1:" + id), 16) % 3 == 0, else train.
"""
import argparse
import collections
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_NOTES = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "notes"))
# note folders under DEFAULT_NOTES, searched in this order (round 3 labelled notes of mtsamples-more; no id
# occurs in both folders)
FOLDERS = ("mtsamples", "mtsamples-more")
LABELS = ("ADE", "DRUG")
SEED = "sidelight-notes-dev-v1:"


def is_dev(note_id, folder="mtsamples"):
    h = int(hashlib.sha256((SEED + note_id).encode("utf-8")).hexdigest(), 16)
    if folder == "mtsamples-more":
        # round 3 (issue 14), fixed before any of these notes was labelled: 3 of 4 to dev. The notes with a
        # drug-linked effect are few (a few dozen of 1,000) and the dev set needs >= 60 ADE spans to tell
        # models apart; the same hash, so the choice is still blind to the content.
        return h % 4 != 0
    return h % 3 == 0


def split_of(row):
    """"dev" or "train" for a built row (its folder is in "file": notes/<folder>/<id>.txt)."""
    return "dev" if is_dev(row["id"], row["file"].split("/")[1]) else "train"


def wordish(c):
    return c.isalnum()


def whole_word_occurrences(text, s, lo=0, hi=None):
    hi = len(text) if hi is None else hi
    out = []
    i = text.find(s, lo, hi)
    while i != -1:
        j = i + len(s)
        left_ok = i == 0 or not (wordish(text[i - 1]) and wordish(s[0]))
        right_ok = j == len(text) or not (wordish(text[j]) and wordish(s[-1]))
        if left_ok and right_ok and j <= hi:
            out.append(i)
        i = text.find(s, i + 1, hi)
    return out


def utf16_map(text):
    """code-point index -> UTF-16 code-unit index (len+1 entries)."""
    m = [0] * (len(text) + 1)
    u = 0
    for i, c in enumerate(text):
        m[i] = u
        u += 2 if ord(c) > 0xFFFF else 1
    m[len(text)] = u
    return m


def unescape(s):
    return s.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")


def parse_labels(path, text, errors):
    spans = []   # (label, start, end) in code points
    nots = []    # (start, end)
    name = os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        for ln, raw in enumerate(f, 1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split("\t") if "\t" in line else line.split(" | ")
            where = f"{name}:{ln}"
            if len(parts) < 2 or len(parts) > 3:
                errors.append(f"{where}: expected LABEL<TAB>text[<TAB>selector]: {line!r}")
                continue
            label, s = parts[0].strip(), parts[1]
            sel = parts[2] if len(parts) == 3 else ""
            if label not in LABELS + ("NOT",):
                errors.append(f"{where}: unknown label {label!r}")
                continue
            if not s or s != s.strip():
                errors.append(f"{where}: empty span text or surrounding whitespace: {s!r}")
                continue
            if label != "NOT" and not (s[0].isalnum() and s[-1].isalnum()):
                errors.append(f"{where}: span must start and end with a letter or digit: {s!r}")
                continue
            occ = whole_word_occurrences(text, s)
            if sel == "":
                if len(occ) != 1:
                    errors.append(f"{where}: {s!r} occurs {len(occ)} times as a whole word; needs a selector")
                    continue
                starts = occ
            elif sel == "*":
                if not occ:
                    errors.append(f"{where}: {s!r} not found")
                    continue
                starts = occ
            elif sel.startswith("#"):
                try:
                    ns = [int(x) for x in sel[1:].split(",")]
                except ValueError:
                    errors.append(f"{where}: bad selector {sel!r}")
                    continue
                bad = [n for n in ns if n < 1 or n > len(occ)]
                if bad:
                    errors.append(f"{where}: {s!r} has {len(occ)} occurrences, asked for {bad}")
                    continue
                starts = [occ[n - 1] for n in ns]
            elif sel.startswith("@"):
                ctx = unescape(sel[1:])
                ci = [m.start() for m in re.finditer(re.escape(ctx), text)]
                if len(ci) != 1:
                    errors.append(f"{where}: context {ctx!r} occurs {len(ci)} times")
                    continue
                inner = whole_word_occurrences(text, s, ci[0], ci[0] + len(ctx))
                if len(inner) != 1:
                    errors.append(f"{where}: {s!r} occurs {len(inner)} times inside context {ctx!r}")
                    continue
                starts = inner
            else:
                errors.append(f"{where}: bad selector {sel!r}")
                continue
            for st in starts:
                if label == "NOT":
                    nots.append((st, st + len(s)))
                else:
                    spans.append((label, st, st + len(s), where))
    return spans, nots


def add_relations(path, rows, errors):
    """work/relations.tsv: caused_by pairs by (start, text) of their ADE and DRUG spans; each must be a span
    of that label in its note. They become the row's "relations" ({"label", "from", "to"} by span index,
    as in the ADE corpus's rows)."""
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            where = f"relations.tsv:{n}"
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5 or parts[0] not in rows:
                errors.append(f"{where}: expected id, ADE start, ADE text, DRUG start, DRUG text of a labelled note")
                continue
            nid, a_start, a_text, d_start, d_text = parts
            spans = rows[nid]["spans"]

            def index_of(label, start, text):
                for i, sp in enumerate(spans):
                    if sp["label"] == label and str(sp["start"]) == start and sp["text"] == text:
                        return i
                errors.append(f"{where}: no {label} span {text!r} at {start} in {nid}")
                return None

            a, d = index_of("ADE", a_start, a_text), index_of("DRUG", d_start, d_text)
            if a is None or d is None:
                continue
            rels = rows[nid].setdefault("relations", [])
            rel = {"label": "caused_by", "from": a, "to": d}
            if rel in rels:
                errors.append(f"{where}: listed twice")
            else:
                rels.append(rel)
    for r in rows.values():
        if "relations" in r:
            r["relations"].sort(key=lambda x: (x["from"], x["to"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notes", default=DEFAULT_NOTES, help="folder holding mtsamples/ and mtsamples-more/")
    args = ap.parse_args()

    index = {}
    for folder in FOLDERS:
        with open(os.path.join(args.notes, folder, "index.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                assert r["file"][:-4] not in index, r["file"]
                index[r["file"][:-4]] = dict(r, folder=folder)

    work = os.path.join(HERE, "work")
    ids = sorted(fn[:-7] for fn in os.listdir(work) if fn.endswith(".labels"))
    errors, rows, allnots = [], {}, {}
    for nid in ids:
        if nid not in index:
            errors.append(f"{nid}: not in index.jsonl")
            continue
        folder = index[nid]["folder"]
        with open(os.path.join(args.notes, folder, nid + ".txt"), encoding="utf-8", newline="") as f:
            text = f.read()
        spans, nots = parse_labels(os.path.join(work, nid + ".labels"), text, errors)
        # duplicates and overlaps within a label
        seen = {}
        uniq = []
        for lab, s, e, where in sorted(spans, key=lambda x: (x[1], x[2], x[0])):
            if (lab, s, e) in seen:
                errors.append(f"{where}: duplicate of {seen[(lab, s, e)]} ({text[s:e]!r})")
                continue
            seen[(lab, s, e)] = where
            uniq.append((lab, s, e, where))
        for lab in LABELS:
            ls = [x for x in uniq if x[0] == lab]
            for a, b in zip(ls, ls[1:]):
                if b[1] < a[2]:
                    errors.append(f"{b[3]}: {lab} {text[b[1]:b[2]]!r} overlaps {text[a[1]:a[2]]!r} ({a[3]})")
        m = utf16_map(text)
        out = []
        for lab, s, e, where in uniq:
            t = text[s:e]
            if t != t.strip() or not (t[0].isalnum() and t[-1].isalnum()):
                errors.append(f"{where}: bad boundary {t!r}")
            out.append({"label": lab, "start": m[s], "end": m[e], "text": t})
        # self-check: UTF-16 slice equals text
        u16 = text.encode("utf-16-le")
        for sp in out:
            if u16[2 * sp["start"]:2 * sp["end"]].decode("utf-16-le") != sp["text"]:
                errors.append(f"{nid}: UTF-16 slice mismatch for {sp}")
        rows[nid] = {"file": f"notes/{folder}/{nid}.txt", "id": nid,
                     "specialty": index[nid]["medical_specialty"], "text": text, "spans": out}
        allnots[nid] = nots

    add_relations(os.path.join(work, "relations.tsv"), rows, errors)

    if errors:
        print("\n".join(errors), file=sys.stderr)
        print(f"{len(errors)} error(s); nothing written", file=sys.stderr)
        return 1

    # consistency check: every DRUG string labelled anywhere, found unlabelled anywhere (case-insensitive)
    lex = sorted({sp["text"].lower() for r in rows.values() for sp in r["spans"] if sp["label"] == "DRUG"},
                 key=lambda s: (-len(s), s))
    warnings = []
    for nid, r in rows.items():
        text, low = r["text"], r["text"].lower()
        m = utf16_map(text)
        inv = {u: i for i, u in enumerate(m)}
        covered = [(inv[sp["start"]], inv[sp["end"]]) for sp in r["spans"] if sp["label"] == "DRUG"]
        covered += allnots[nid]
        for term in lex:
            for st in whole_word_occurrences(low, term):
                en = st + len(term)
                if any(a <= st and en <= b for a, b in covered):
                    continue
                ctx = text[max(0, st - 40):en + 40].replace("\n", "⏎")
                warnings.append(f"{nid}\t{term}\t…{ctx}…")
    with open(os.path.join(work, "warnings.txt"), "w", encoding="utf-8") as f:
        f.write("".join(w + "\n" for w in warnings))

    with open(os.path.join(work, "review.txt"), "w", encoding="utf-8") as f:
        for nid, r in rows.items():
            f.write(f"== {nid} ({r['specialty']}) {split_of(r)}\n")
            text = r["text"]
            for sp in r["spans"]:  # no non-BMP text in this set; offsets are still UTF-16 in the JSONL
                m = utf16_map(text)
                inv = {u: i for i, u in enumerate(m)}
                s, e = inv[sp["start"]], inv[sp["end"]]
                left = text[max(0, s - 40):s].replace("\n", "⏎")
                right = text[e:e + 40].replace("\n", "⏎")
                f.write(f"{sp['label']:4s} {left}[[{text[s:e]}]]{right}\n")

    splits = {"train": [], "dev": []}
    for nid in sorted(rows):
        splits[split_of(rows[nid])].append(rows[nid])
    for name, rs in splits.items():
        with open(os.path.join(HERE, f"{name}.jsonl"), "w", encoding="utf-8", newline="\n") as f:
            for r in rs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")

    # stats
    lines = []
    lines.append("| split | notes | specialties | ADE spans | DRUG spans | notes with ADE | notes with no span |")
    lines.append("|---|---|---|---|---|---|---|")
    for name in ("train", "dev", "all"):
        rs = splits["train"] + splits["dev"] if name == "all" else splits[name]
        c = collections.Counter(sp["label"] for r in rs for sp in r["spans"])
        lines.append(f"| {name} | {len(rs)} | {len({r['specialty'] for r in rs})} | {c['ADE']} | {c['DRUG']} | "
                     f"{sum(1 for r in rs if any(sp['label'] == 'ADE' for sp in r['spans']))} | "
                     f"{sum(1 for r in rs if not r['spans'])} |")
    lines.append("")
    lines.append("| specialty | train notes | dev notes | ADE (train/dev) | DRUG (train/dev) |")
    lines.append("|---|---|---|---|---|")
    specs = sorted({r["specialty"] for r in rows.values()})
    for sp_name in specs:
        t = [r for r in splits["train"] if r["specialty"] == sp_name]
        d = [r for r in splits["dev"] if r["specialty"] == sp_name]
        ct = collections.Counter(s["label"] for r in t for s in r["spans"])
        cd = collections.Counter(s["label"] for r in d for s in r["spans"])
        lines.append(f"| {sp_name} | {len(t)} | {len(d)} | {ct['ADE']}/{cd['ADE']} | {ct['DRUG']}/{cd['DRUG']} |")
    lines.append("")
    lines.append("Manifest (every labelled note; `dev` marks the dev split):")
    lines.append("")
    for name in ("dev", "train"):
        for r in splits[name]:
            c = collections.Counter(s["label"] for s in r["spans"])
            lines.append(f"- `{r['id']}` — {name}, {r['specialty']}, ADE {c['ADE']}, DRUG {c['DRUG']}")
    block = "\n".join(lines)
    readme = os.path.join(HERE, "README.md")
    if os.path.exists(readme):
        with open(readme, encoding="utf-8") as f:
            doc = f.read()
        b, e = "<!-- stats:begin -->", "<!-- stats:end -->"
        if b in doc and e in doc:
            new = doc[:doc.index(b) + len(b)] + "\n" + block + "\n" + doc[doc.index(e):]
            if new != doc:
                with open(readme, "w", encoding="utf-8") as f:
                    f.write(new)
    print(block.split("\n\nManifest")[0])
    print(f"\n{len(warnings)} consistency warning(s) in work/warnings.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
