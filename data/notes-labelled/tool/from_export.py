#!/usr/bin/env python3
"""Turn the extension's export (`sidelight export --format jsonl --workspace WS`, rows with `file` and
UTF-16 `spans`) into label files for build.py: work/<id>.labels, one per exported note.

    python3 data/notes-labelled/tool/from_export.py EXPORT.jsonl --comments DIR [--date YYYY-MM-DD] [--force]

Each span gets the shortest selector that build.py resolves back to exactly the exported offsets: none
(the only whole-word occurrence), `*` (every occurrence has this label), else `#n,m`. Comment lines and
`NOT` lines (occurrences acknowledged as non-drugs for the consistency check: the export carries no such
thing) are copied from DIR/<id>.labels when present. Refuses to overwrite an existing label file unless
--force. Stdlib only; re-checks every selector with build.py's own parser.
"""
import argparse, datetime, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SET = os.path.dirname(HERE)
sys.path.insert(0, SET)
import build  # noqa: E402


def utf16_to_cp(text):
    """JS offset -> code point index (identity for BMP-only text)."""
    m, u = {}, 0
    for i, ch in enumerate(text):
        m[u] = i
        u += 2 if ord(ch) > 0xFFFF else 1
    m[u] = len(text)
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export")
    ap.add_argument("--comments", help="folder of <id>.labels whose comment and NOT lines are kept")
    ap.add_argument("--notes", default=build.DEFAULT_NOTES)
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.export, encoding="utf-8") if l.strip()]
    for r in rows:
        nid = os.path.splitext(os.path.basename(r["file"]))[0]
        text = open(os.path.join(a.notes, nid + ".txt"), encoding="utf-8", newline="").read()
        if r.get("text") is not None and r["text"] != text:
            sys.exit(f"{nid}: exported text differs from the note on disk")
        cp = utf16_to_cp(text)
        spans = sorted((s["label"], cp[s["start"]], cp[s["end"]]) for s in r["spans"])
        lines, seen = [], set()
        for label, st, en in sorted(spans, key=lambda x: (x[1], x[0])):
            s = text[st:en]
            if (label, s) in seen:
                continue
            seen.add((label, s))
            occ = build.whole_word_occurrences(text, s)
            mine = [o for o in occ if (label, o, o + len(s)) in spans]
            if len(mine) != len([x for x in spans if x[0] == label and text[x[1]:x[2]] == s]):
                sys.exit(f"{nid}: {label} {s!r} is not a whole-word occurrence")
            if len(occ) == 1:
                lines.append(f"{label} | {s}")
            elif len(mine) == len(occ):
                lines.append(f"{label} | {s} | *")
            else:
                lines.append(f"{label} | {s} | #" + ",".join(str(occ.index(o) + 1) for o in mine))
        keep_c, keep_not = [], []
        src = os.path.join(a.comments, nid + ".labels") if a.comments else None
        if src and os.path.exists(src):
            for l in open(src, encoding="utf-8"):
                l = l.rstrip("\n")
                if l.startswith("#"):
                    keep_c.append(l)
                elif l.startswith("NOT"):
                    keep_not.append(l)
        out = [f"# labelled with the Sidelight extension (pre-annotate + review), {a.date}"] + keep_c + lines + keep_not
        dest = os.path.join(SET, "work", nid + ".labels")
        if os.path.exists(dest) and not a.force:
            sys.exit(f"{dest} exists (use --force)")
        body = "\n".join(out) + "\n"
        errors = []
        tmp = dest + ".tmp"
        open(tmp, "w", encoding="utf-8").write(body)
        got, _ = build.parse_labels(tmp, text, errors)
        os.remove(tmp)
        if errors or sorted((l, s, e) for l, s, e, _ in got) != spans:
            sys.exit(f"{nid}: selectors do not resolve back to the export: {errors}")
        open(dest, "w", encoding="utf-8").write(body)
        print(f"{nid}: {len(spans)} span(s)")


if __name__ == "__main__":
    main()
