#!/usr/bin/python3
"""Put the notes dev results into a bundle's manifest.json (issue 4: the manifest carries both dev sets).

    node dist/cli.js eval --model DIR --gold data/notes-labelled/dev.jsonl --json | tail -1 > notes.json
    node dist/cli.js predict --model DIR --jsonl data/notes-labelled/dev.jsonl > pred.jsonl
    /usr/bin/python3 training/add_notes_metrics.py DIR notes.json pred.jsonl [--command "..."]

Make both files WITHOUT --no-context-filter: the figures are what a user gets, with the default context
post-step (recorded as `training.notesDevPostStep`).
`metrics.notes_dev` gets the same shape as `metrics.ade_dev` ({label: {strict, lenient}}); the bootstrap
95% intervals over notes (training/bootstrap.py, 1000 resamples) go to `training.notesDevBootstrap`. Only
manifest.json changes, so the sha256 of the three files it lists stay valid.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootstrap  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

ap = argparse.ArgumentParser()
ap.add_argument("bundle")
ap.add_argument("eval_json")
ap.add_argument("pred_jsonl")
ap.add_argument("--command", default=None, help="training.command to record (the reproducible one)")
a = ap.parse_args()
with open(a.eval_json, encoding="utf-8") as f:
    ev = json.loads([l for l in f if l.strip()][-1])
man_path = os.path.join(a.bundle, "manifest.json")
with open(man_path, encoding="utf-8") as f:
    man = json.load(f)
man["metrics"]["notes_dev"] = {lab: {"strict": v["strict"], "lenient": v["lenient"]} for lab, v in ev["labels"].items()}
ci = bootstrap.main(["--gold", os.path.join(ROOT, "data", "notes-labelled", "dev.jsonl"), "--json", "model=" + a.pred_jsonl])["model"]
man["training"]["notesDevBootstrap"] = {"resamples": 1000, "unit": "note", "seed": 13,
                                        "f1_ci95": {k: [v["lo"], v["hi"]] for k, v in ci.items()}}
n_dev = sum(1 for line in open(os.path.join(ROOT, "data", "notes-labelled", "dev.jsonl"), encoding="utf-8") if line.strip())
man["training"]["notesDev"] = f"data/notes-labelled/dev.jsonl ({n_dev} notes; never trained or selected on)"
# The predictions come from the CLI with its default context post-step, so the figures say so.
man["training"]["notesDevPostStep"] = ("the CLI default, src/core/model/contextRules.ts: cued ADEs added (cuedAdes.ts), "
                                       "then ADEs in negated/hypothetical/review-of-systems context dropped (negation.ts)")
if a.command:
    man["training"]["command"] = a.command
with open(man_path, "w", encoding="utf-8") as f:
    json.dump(man, f, ensure_ascii=False, indent=1)
    f.write("\n")
print("manifest updated:", man_path)
