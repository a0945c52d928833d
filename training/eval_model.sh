#!/bin/sh
# Predictions of one bundle on both dev sets: raw, with the old post-step (drop negated/hypothetical/ROS ADEs
# only, "+neg") and with the combined context post-step that is on by default (add cued ADEs, then drop:
# "+ctx"), plus bootstrap intervals.
#   sh training/eval_model.sh NAME MODEL_DIR OUT_DIR [NOTES_GOLD]   (MODEL_DIR "default": the shipped model;
#                                                   NOTES_GOLD defaults to data/notes-labelled/dev.jsonl)
# Needs dist/cli.js (npm run build) and the post-step compiled to $NEGATION_JS
# (default out/src/core/model/contextRules.js, from `npm run compile-tests`).
set -e
name=$1; model=$2; out=$3; notes=${4:-data/notes-labelled/dev.jsonl}
cd "$(dirname "$0")/.."
mkdir -p "$out"
m=""; [ "$model" = default ] || m="--model $model"
# raw model output (the CLI applies the context post-step by default)
node dist/cli.js predict $m --no-context-filter --jsonl "$notes" > "$out/$name.notes.jsonl" 2>/dev/null
node dist/cli.js predict $m --no-context-filter --jsonl ../shared/data/ade/dev.jsonl > "$out/$name.ade.jsonl" 2>/dev/null
for set in notes ade; do
  node training/apply_negation.js --drop-only < "$out/$name.$set.jsonl" > "$out/$name+neg.$set.jsonl"
  node training/apply_negation.js < "$out/$name.$set.jsonl" > "$out/$name+ctx.$set.jsonl"
done
/usr/bin/python3 training/bootstrap.py --prf --gold "$notes" --vs "$name+neg" "$name=$out/$name.notes.jsonl" "$name+neg=$out/$name+neg.notes.jsonl" "$name+ctx=$out/$name+ctx.notes.jsonl"
/usr/bin/python3 training/bootstrap.py --n 0 --gold ../shared/data/ade/dev.jsonl "$name=$out/$name.ade.jsonl" "$name+neg=$out/$name+neg.ade.jsonl" "$name+ctx=$out/$name+ctx.ade.jsonl" | grep -E "^[^ ]|ADE strict"
