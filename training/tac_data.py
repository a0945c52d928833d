"""TAC 2017 ADR drug-label sections as extra ADE training text (issue 4's idea list: "TAC ARs as ADE").

Every AdverseReaction mention that is one continuous fragment and takes part in no Negated or Hypothetical
relation becomes an ADE span; the labels' text is cut into windows of whole lines (notes_data.windows),
and lexicon drugs are labelled DRUG as in the relabelled corpus (the sections name their drug but TAC does
not label it: left as it is, it would teach "a drug name is O")."""
import os

from common import Utf16Map, read_jsonl
from notes_data import windows
from relabel import relabel


def tac_rows(data_dir, lex, max_tokens=96):
    rows = []
    for r in read_jsonl(os.path.join(data_dir, "tac2017-adr", "sections.jsonl")):
        excluded = {a for rel in r["relations"] if rel["type"] in ("Negated", "Hypothetical") for a in (rel["arg1"], rel["arg2"])}
        m = Utf16Map(r["text"])
        spans = sorted(
            ("ADE", m.from16(men["fragments"][0][0]), m.from16(men["fragments"][0][1]))
            for men in r["mentions"]
            if men["type"] == "AdverseReaction" and len(men["fragments"]) == 1 and men["id"] not in excluded
        )
        rows += [w for w in windows({"id": r["id"], "text": r["text"], "spans": spans}, max_tokens) if w["text"].strip()]
    return relabel(rows, lex)
