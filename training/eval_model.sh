#!/bin/sh
# Predictions of one bundle on both dev sets, raw and with the negation post-step, plus bootstrap intervals.
#   sh training/eval_model.sh NAME MODEL_DIR OUT_DIR        (MODEL_DIR "default": the shipped model)
# Needs dist/cli.js (npm run build) and the post-step compiled to $NEGATION_JS
# (default out/src/core/model/negation.js, from `npm run compile-tests`).
set -e
name=$1; model=$2; out=$3
cd "$(dirname "$0")/.."
mkdir -p "$out"
m=""; [ "$model" = default ] || m="--model $model"
# raw model output (the CLI applies the context post-step by default since it was wired into the runner)
node dist/cli.js predict $m --no-context-filter --jsonl data/notes-labelled/dev.jsonl > "$out/$name.notes.jsonl" 2>/dev/null
node dist/cli.js predict $m --no-context-filter --jsonl ../shared/data/ade/dev.jsonl > "$out/$name.ade.jsonl" 2>/dev/null
node training/apply_negation.js < "$out/$name.notes.jsonl" > "$out/$name+neg.notes.jsonl"
node training/apply_negation.js < "$out/$name.ade.jsonl" > "$out/$name+neg.ade.jsonl"
/usr/bin/python3 training/bootstrap.py --gold data/notes-labelled/dev.jsonl "$name=$out/$name.notes.jsonl" "$name+neg=$out/$name+neg.notes.jsonl"
/usr/bin/python3 training/bootstrap.py --n 0 --gold ../shared/data/ade/dev.jsonl "$name=$out/$name.ade.jsonl" "$name+neg=$out/$name+neg.ade.jsonl" | grep -E "^[^ ]|ADE strict"
