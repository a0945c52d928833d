#!/usr/bin/python3
"""Train Sidelight's default ADE/DRUG tagger (BiLSTM + character CNN + CRF) and export the bundle.

    /usr/bin/python3 training/train.py --out models/default

Reads ../shared/data (relative to the repository) by default; `--data DIR` points elsewhere.
See training/README.md for the architecture, the measured results and the ablation flags.
"""
import argparse
import collections
import datetime
import hashlib
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (DEFAULT_DATA, LABELS, LABEL2ID, char_ids_for, load_ade, normalize_word,  # noqa: E402
                    pre_tokenize, read_jsonl, spans_to_tags, tags_to_spans)
from metrics import evaluate, format_table  # noqa: E402
from relabel import EXCLUDE, build_lexicon, relabel  # noqa: E402
import notes_data  # noqa: E402
import tac_data  # noqa: E402

MAX_WORD_LEN = 20


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# ----------------------------------------------------------------------------------------------- data
def unlabelled_texts(data_dir, train_rows, skip_files=(), note_folders=("mtsamples",), with_tac=True):
    """Text for the vocabulary and the word embeddings: ADE train sentences, TAC 2017 drug-label
    sections, MTSamples notes of `note_folders` (never the dev set; skip_files: the notes dev set's
    files). The BiLSTM reads `mtsamples` only; the encoder's MLM step reads both folders."""
    texts = [r["text"] for r in train_rows]
    tac = os.path.join(data_dir, "tac2017-adr", "sections.jsonl")
    if with_tac and os.path.exists(tac):
        texts += [r["text"] for r in read_jsonl(tac)]
    for folder in note_folders:
        nd = os.path.join(data_dir, "notes", folder)
        if os.path.isdir(nd):
            for fn in sorted(os.listdir(nd)):
                if fn.endswith(".txt") and fn not in skip_files:
                    with open(os.path.join(nd, fn), encoding="utf-8") as f:
                        texts.append(f.read())
    return texts


def build_vocab(train_rows, texts, max_size, min_count):
    cnt = collections.Counter()
    for t in texts:
        for a, b in pre_tokenize(t):
            cnt[normalize_word(t[a:b])] += 1
    # words of the labelled train set always count; others need min_count
    train_words = set()
    for r in train_rows:
        t = r["text"]
        for a, b in pre_tokenize(t):
            train_words.add(normalize_word(t[a:b]))
    words = [w for w, c in cnt.most_common() if c >= min_count or w in train_words]
    words = words[: max_size - 2]
    vocab = {"[PAD]": 0, "[UNK]": 1}
    for w in words:
        vocab.setdefault(w, len(vocab))
    return vocab, cnt


def build_alphabet(texts, min_count=3):
    cnt = collections.Counter()
    for t in texts:
        cnt.update(t)
    chars = [c for c, n in cnt.most_common() if n >= min_count and not c.isspace()]
    return "".join(chars)


def encode(rows, vocab, alpha_idx):
    out = []
    for r in rows:
        t = r["text"]
        toks = pre_tokenize(t)
        ids = [vocab.get(normalize_word(t[a:b]), 1) for a, b in toks]
        chars = char_ids_for(t, toks, alpha_idx, MAX_WORD_LEN)
        tags, _ = spans_to_tags(toks, r["spans"])
        out.append({"toks": toks, "ids": ids, "chars": chars, "tags": tags})
    return out


# ------------------------------------------------------------------------------------ word embeddings
def pretrain_embeddings(texts, vocab, dim, epochs, seed, window=5, neg=5, batch=16384):
    """Skip-gram with negative sampling (word2vec) on the unlabelled text, in torch."""
    g = torch.Generator().manual_seed(seed)
    rng = np.random.RandomState(seed)
    seqs = []
    for t in texts:
        ids = [vocab.get(normalize_word(t[a:b]), 1) for a, b in pre_tokenize(t)]
        seqs.append(np.array(ids, dtype=np.int64))
    allids = np.concatenate(seqs)
    V = len(vocab)
    freq = np.bincount(allids, minlength=V).astype(np.float64)
    total = freq.sum()
    # subsampling of frequent words (Mikolov et al.)
    pkeep = np.minimum(1.0, np.sqrt(1e-4 / np.maximum(freq / total, 1e-12)) + 1e-4 / np.maximum(freq / total, 1e-12))
    noise = freq ** 0.75
    noise[:2] = 0
    noise = torch.tensor(noise / noise.sum(), dtype=torch.float)
    win = nn.Embedding(V, dim, sparse=True)
    wout = nn.Embedding(V, dim, sparse=True)
    nn.init.uniform_(win.weight, -0.5 / dim, 0.5 / dim)
    nn.init.zeros_(wout.weight)
    opt = torch.optim.SparseAdam(list(win.parameters()) + list(wout.parameters()), lr=0.006)
    for ep in range(epochs):
        cs, xs = [], []
        for s in seqs:
            s = s[(s > 1) & (rng.random_sample(len(s)) < pkeep[s])]
            n = len(s)
            if n < 2:
                continue
            for d in range(1, min(window, n - 1) + 1):
                keep = rng.random_sample(n - d) < (window - d + 1) / window  # dynamic window
                a, b = s[:-d][keep], s[d:][keep]
                cs += [a, b]
                xs += [b, a]
        c = torch.from_numpy(np.concatenate(cs))
        x = torch.from_numpy(np.concatenate(xs))
        perm = torch.randperm(len(c), generator=g)
        c, x = c[perm], x[perm]
        tot = 0.0
        nb = 0
        for i in range(0, len(c), batch):
            cb, xb = c[i:i + batch], x[i:i + batch]
            negs = torch.multinomial(noise, len(cb) * neg, replacement=True, generator=g).view(len(cb), neg)
            vc = win(cb)
            pos = (vc * wout(xb)).sum(-1)
            ng = torch.bmm(wout(negs), vc.unsqueeze(-1)).squeeze(-1)
            loss = -(nn.functional.logsigmoid(pos).mean() + nn.functional.logsigmoid(-ng).sum(-1).mean())
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
            nb += 1
        log("word2vec epoch %d: %d pairs, loss %.4f" % (ep + 1, len(c), tot / max(nb, 1)))
    w = win.weight.detach().clone()
    w[0] = 0
    # scale to a unit-ish norm per dimension like a random init
    w = w / (w[2:].std() + 1e-8) * 0.3
    return w


# ---------------------------------------------------------------------------------------------- model
class Tagger(nn.Module):
    def __init__(self, V, C, wdim, cdim, cfilters, hidden, layers, dropout, use_char=True, freeze_emb=False):
        super().__init__()
        self.use_char = use_char
        self.wemb = nn.Embedding(V, wdim, padding_idx=0)
        self.wemb.weight.requires_grad = not freeze_emb
        indim = wdim
        if use_char:
            self.cemb = nn.Embedding(C, cdim, padding_idx=0)
            self.conv = nn.Conv1d(cdim, cfilters, kernel_size=3, padding=1)
            indim += cfilters
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(indim, hidden, num_layers=layers, bidirectional=True, batch_first=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.out = nn.Linear(2 * hidden, len(LABELS))
        K = len(LABELS)
        self.trans = nn.Parameter(torch.zeros(K, K))
        self.start = nn.Parameter(torch.zeros(K))
        self.end = nn.Parameter(torch.zeros(K))

    def features(self, input_ids, attention_mask, char_ids, wvec=None):
        x = self.wemb(input_ids) if wvec is None else wvec
        x = x * attention_mask.unsqueeze(-1).to(torch.float32)
        if self.use_char:
            B, S = input_ids.shape[0], input_ids.shape[1]
            c = self.cemb(char_ids.reshape(-1, MAX_WORD_LEN))          # [B*S, L, cdim]
            c = self.conv(c.transpose(1, 2))                           # [B*S, F, L]
            c = torch.max(c, dim=2)[0].reshape(B, S, -1)               # [B, S, F]
            x = torch.cat([x, c], dim=-1)
        return self.drop(x)

    def forward(self, input_ids, attention_mask, char_ids, lengths=None, wvec=None):
        x = self.features(input_ids, attention_mask, char_ids, wvec)
        if lengths is not None:
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            h, _ = self.lstm(packed)
            h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])
        else:
            h, _ = self.lstm(x)
        return self.out(self.drop(h))

    def crf_nll(self, em, tags, mask):
        """Negative log-likelihood of a linear-chain CRF, summed over the batch."""
        B, T, K = em.shape
        maskf = mask.to(em.dtype)
        ar = torch.arange(B)
        score = self.start[tags[:, 0]] + em[ar, 0, tags[:, 0]]
        for t in range(1, T):
            score = score + maskf[:, t] * (self.trans[tags[:, t - 1], tags[:, t]] + em[ar, t, tags[:, t]])
        last = tags[ar, mask.long().sum(1) - 1]
        score = score + self.end[last]
        alpha = self.start.unsqueeze(0) + em[:, 0]
        for t in range(1, T):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + self.trans.unsqueeze(0) + em[:, t].unsqueeze(1), dim=1)
            alpha = torch.where(mask[:, t].unsqueeze(1), nxt, alpha)
        logz = torch.logsumexp(alpha + self.end.unsqueeze(0), dim=1)
        return (logz - score).sum()


class Exported(nn.Module):
    """What goes into model.onnx: one or more taggers (an ensemble averages their emissions and CRF
    parameters, i.e. a product of experts whose Viterbi path is the argmax of the summed scores). Word
    embeddings are stored once in float16 when all members share them (frozen), to halve the size."""

    def __init__(self, members, fp16_emb):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.shared = all(m.wemb is members[0].wemb or torch.equal(m.wemb.weight, members[0].wemb.weight)
                          for m in members)
        self.fp16 = fp16_emb
        if self.shared:
            w = members[0].wemb.weight.detach().clone()
            self.register_buffer("emb", w.half() if fp16_emb else w)
        n = len(members)
        self.trans = nn.Parameter(sum(m.trans.detach() for m in members) / n)
        self.start = nn.Parameter(sum(m.start.detach() for m in members) / n)
        self.end = nn.Parameter(sum(m.end.detach() for m in members) / n)

    def forward(self, input_ids, attention_mask, char_ids, lengths=None):
        wvec = None
        if self.shared:
            wvec = nn.functional.embedding(input_ids, self.emb)
            if self.fp16:
                wvec = wvec.to(torch.float32)
        ems = [m(input_ids, attention_mask, char_ids, lengths, wvec) for m in self.members]
        return ems[0] if len(ems) == 1 else torch.stack(ems, 0).mean(0)


def viterbi(em, trans, start, end):
    """em [T, K] numpy -> best tag ids."""
    T, K = em.shape
    score = start + em[0]
    back = np.zeros((T, K), dtype=np.int64)
    for t in range(1, T):
        s = score[:, None] + trans + em[t][None, :]
        back[t] = s.argmax(0)
        score = s.max(0)
    score = score + end
    best = [int(score.argmax())]
    for t in range(T - 1, 0, -1):
        best.append(int(back[t, best[-1]]))
    return best[::-1]


def make_batch(items, word_dropout=0.0, rng=None):
    B = len(items)
    T = max(len(it["ids"]) for it in items)
    ids = torch.zeros(B, T, dtype=torch.long)
    chars = torch.zeros(B, T, MAX_WORD_LEN, dtype=torch.long)
    tags = torch.zeros(B, T, dtype=torch.long)
    mask = torch.zeros(B, T, dtype=torch.bool)
    for i, it in enumerate(items):
        n = len(it["ids"])
        w = torch.tensor(it["ids"])
        if word_dropout > 0:
            drop = torch.from_numpy(rng.random_sample(n) < word_dropout)
            w = torch.where(drop, torch.ones_like(w), w)
        ids[i, :n] = w
        chars[i, :n] = torch.tensor(it["chars"])
        tags[i, :n] = torch.tensor(it["tags"])
        mask[i, :n] = True
    lengths = mask.long().sum(1)
    return ids, mask.long(), chars, tags, mask, lengths


def predict(model, data, use_crf=True, batch=128):
    model.eval()
    out_tags = []
    tr = model.trans.detach().numpy()
    st = model.start.detach().numpy()
    en = model.end.detach().numpy()
    order = sorted(range(len(data)), key=lambda i: len(data[i]["ids"]))
    res = [None] * len(data)
    with torch.no_grad():
        for i in range(0, len(order), batch):
            idx = [j for j in order[i:i + batch] if data[j]["ids"]]
            for j in order[i:i + batch]:
                if not data[j]["ids"]:
                    res[j] = []
            if not idx:
                continue
            ids, am, chars, _, mask, lengths = make_batch([data[j] for j in idx])
            em = model(ids, am, chars, lengths).numpy()
            for k, j in enumerate(idx):
                n = int(lengths[k])
                res[j] = viterbi(em[k, :n], tr, st, en) if use_crf else list(em[k, :n].argmax(-1))
    return res


def spans_of(rows, data, tags):
    return [tags_to_spans(d["toks"], t) for d, t in zip(data, tags)]


def score(rows, data, tags):
    preds = spans_of(rows, data, tags)
    return evaluate([r["spans"] for r in rows], preds)


# --------------------------------------------------------------------------------------------- export
def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for blk in iter(lambda: f.read(1 << 20), b""):
            h.update(blk)
    return h.hexdigest()


def write_json(path, obj, **kw):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, **kw)
        f.write("\n")
    os.replace(tmp, path)


def tokenizer_json(vocab):
    added = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in ("[PAD]", "[UNK]")]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Lowercase"}, {"type": "Replace", "pattern": {"Regex": "[0-9]"}, "content": "0"}]},
        "pre_tokenizer": {"type": "BertPreTokenizer"}, "post_processor": None, "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }


def export_bundle(model, vocab, alphabet, out, manifest_extra, max_length=256, stride=64, name="sidelight-ade"):
    os.makedirs(out, exist_ok=True)
    model.eval()
    onnx_path = os.path.join(out, "model.onnx")
    ids = torch.tensor([[5, 6, 7]], dtype=torch.long)
    am = torch.ones_like(ids)
    ch = torch.ones(1, 3, MAX_WORD_LEN, dtype=torch.long)
    tmp = onnx_path + ".tmp"
    torch.onnx.export(model, (ids, am, ch), tmp, opset_version=14,
                      input_names=["input_ids", "attention_mask", "char_ids"], output_names=["logits"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                    "attention_mask": {0: "batch", 1: "sequence"},
                                    "char_ids": {0: "batch", 1: "sequence"},
                                    "logits": {0: "batch", 1: "sequence"}})
    import onnx
    m = onnx.load(tmp)
    onnx.checker.check_model(m)
    names = [i.name for i in m.graph.input]
    assert names == ["input_ids", "attention_mask", "char_ids"], names
    os.replace(tmp, onnx_path)
    write_json(os.path.join(out, "tokenizer.json"), tokenizer_json(vocab), ensure_ascii=False)
    cfg = {
        "model_type": "bilstm-cnn-crf",
        "id2label": {str(i): l for i, l in enumerate(LABELS)},
        "label2id": dict(LABEL2ID),
        "max_length": max_length, "stride": stride, "aggregation": "first", "padding": False,
        "inputs": {"char_ids": {"type": "char_ids", "max_word_length": MAX_WORD_LEN, "alphabet": alphabet,
                                "pad_id": 0, "unk_id": 1}},
        "decoder": {"type": "crf",
                    "transitions": model.trans.detach().tolist(),
                    "start_transitions": model.start.detach().tolist(),
                    "end_transitions": model.end.detach().tolist()},
    }
    write_json(os.path.join(out, "config.json"), cfg, indent=1)
    files = {}
    for fn in ("model.onnx", "tokenizer.json", "config.json"):
        p = os.path.join(out, fn)
        files[fn] = {"sha256": sha256(p), "size": os.path.getsize(p)}
    now = datetime.datetime.now(datetime.timezone.utc)
    manifest = {"name": name, "version": now.strftime("%Y.%m.%d-%H%M%S"),
                "createdAt": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "files": files, "labels": ["ADE", "DRUG"]}
    manifest.update(manifest_extra)
    write_json(os.path.join(out, "manifest.json"), manifest, indent=1)
    return manifest


# ----------------------------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA, help="shared data folder (default: %(default)s)")
    ap.add_argument("--out", default=None, help="bundle folder to write (e.g. models/default)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--patience", type=int, default=6)
    ap.add_argument("--time-budget", type=float, default=22.0, help="minutes of tagger training at most")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--lr-decay", type=float, default=0.85, help="learning rate x this after each epoch")
    ap.add_argument("--wdim", type=int, default=100)
    ap.add_argument("--cdim", type=int, default=30)
    ap.add_argument("--cfilters", type=int, default=50)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--word-dropout", type=float, default=0.05)
    ap.add_argument("--vocab-size", type=int, default=20000)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--w2v-epochs", type=int, default=3)
    ap.add_argument("--w2v-cache", default=None, help="folder to cache the word2vec vectors in (experiments)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: OpenMP spin-waits badly on a busy shared machine)")
    ap.add_argument("--ensemble", type=int, default=1, help="members (seeds seed..seed+N-1), emissions averaged")
    ap.add_argument("--freeze-emb", action="store_true", help="keep the word2vec vectors fixed (shared by members)")
    ap.add_argument("--fp16-emb", action="store_true", help="store frozen word vectors as float16 in the ONNX")
    ap.add_argument("--no-char", action="store_true", help="ablation: no character CNN")
    ap.add_argument("--no-crf", action="store_true", help="ablation: softmax + argmax instead of a CRF")
    ap.add_argument("--no-pretrain", action="store_true", help="ablation: random word embeddings")
    ap.add_argument("--no-relabel", action="store_true", help="ablation: train on the corpus labels as they are")
    ap.add_argument("--notes", default=None, help="labelled notes train set to train on too (data/notes-labelled/train.jsonl)")
    ap.add_argument("--notes-oversample", type=int, default=6, help="copies of each notes window per epoch")
    ap.add_argument("--notes-window", type=int, default=128, help="words per notes training window (whole lines packed)")
    ap.add_argument("--notes-lexicon", action="store_true",
                    help="add the notes train DRUG strings to the drug lexicon used to relabel the corpus")
    ap.add_argument("--weak-notes", action="store_true",
                    help="also train on the unlabelled MTSamples notes with lexicon drugs labelled DRUG (not dev, not train notes)")
    ap.add_argument("--tac", action="store_true",
                    help="also train on the TAC 2017 drug-label sections, adverse reactions labelled ADE (tac_data.py)")
    ap.add_argument("--notes-dev-text", action="store_true",
                    help="old behaviour: let word2vec read the notes dev set's text too (default: excluded)")
    ap.add_argument("--select-on", choices=["auto", "original", "relabelled"], default="auto",
                    help="dev labels for checkpoint selection (auto: relabelled when training relabelled)")
    ap.add_argument("--emissions-out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "emissions-vectors.json"))
    ap.add_argument("--no-emissions", action="store_true", help="do not write the emissions test vectors")
    ap.add_argument("--save-state", default=None, help="also save the torch state (for fixtures)")
    ap.add_argument("--workspace-train", default=None,
                    help="train on these interchange rows (a workspace's done notes, written by `sidelight train`); "
                         "without --with-corpus the ADE corpus is not read, and the last epoch is kept (no dev set)")
    ap.add_argument("--with-corpus", action="store_true", help="with --workspace-train: also train on the ADE corpus in --data")
    ap.add_argument("--name", default="sidelight-ade", help="the bundle's model name")
    args = ap.parse_args(argv)

    t0 = time.time()
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = np.random.RandomState(args.seed)
    workspace_only = bool(args.workspace_train) and not args.with_corpus
    if workspace_only:
        # A workspace's own labels alone: no corpus, no relabelling lexicon, no dev set to select on.
        log("training on the workspace's done notes only (%s)" % args.workspace_train)
        train_rows, dev_rows = [], []
        args.no_relabel, args.weak_notes, args.tac, args.no_emissions = True, False, False, True
    else:
        log("reading data from %s%s" % (args.data, " (the default: ../shared/data)" if args.data == DEFAULT_DATA else ""))
        train_rows = load_ade(os.path.join(args.data, "ade", "train.jsonl"))
        dev_rows = load_ade(os.path.join(args.data, "ade", "dev.jsonl"))
    notes_rows = notes_data.load_notes(args.notes) if args.notes else []
    if args.workspace_train:
        notes_rows += notes_data.load_notes(args.workspace_train)
    if workspace_only:
        lex_train, dev_relab = {}, []
    else:
        lex_train = build_lexicon(train_rows)
        if args.notes_lexicon:
            lex_train, n_lex = notes_data.extend_lexicon(lex_train, notes_rows, EXCLUDE)
            log("notes train adds %d lexicon entries" % n_lex)
        lex_dev = build_lexicon(train_rows + dev_rows)
        dev_relab, n_dev_added = relabel(dev_rows, lex_dev)
        log("drug lexicon: %d entries from train; relabelled dev adds %d DRUG spans" % (len(lex_train), n_dev_added))
    if not args.no_relabel:
        train_used, n_added = relabel(train_rows, lex_train)
        log("relabelled train adds %d DRUG spans" % n_added)
    else:
        train_used = train_rows

    skip = set() if args.notes_dev_text or workspace_only or not os.path.exists(notes_data.NOTES_DEV) else notes_data.dev_files()
    texts = [r["text"] for r in notes_rows] if workspace_only else unlabelled_texts(args.data, train_rows, skip)
    log("word2vec text excludes %d notes dev files" % len(skip))
    vocab, _ = build_vocab(train_rows, texts, args.vocab_size, args.min_count)
    alphabet = build_alphabet(texts)
    assert len(set(alphabet)) == len(alphabet)
    alpha_idx = {c: i for i, c in enumerate(alphabet)}
    log("vocab %d words, alphabet %d chars, unlabelled texts %d" % (len(vocab), len(alphabet), len(texts)))

    extra_rows = []
    if notes_rows:
        nw = [w_ for r in notes_rows for w_ in notes_data.windows(r, args.notes_window)]
        log("notes train: %d notes -> %d windows, x%d" % (len(notes_rows), len(nw), args.notes_oversample))
        extra_rows += nw * args.notes_oversample
    if args.weak_notes:
        skip_w = skip | {os.path.basename(r["file"]) for r in notes_rows if r.get("file")}
        if os.path.exists(notes_data.NOTES_TRAIN):
            skip_w |= {os.path.basename(r["file"]) for r in notes_data.load_notes(notes_data.NOTES_TRAIN)}
        wr, n_w = notes_data.weak_notes(args.data, lex_train, skip_w, args.notes_window)
        log("weak notes: %d windows, %d lexicon DRUG spans" % (len(wr), n_w))
        extra_rows += wr
    if args.tac:
        tac, n_tac_drugs = tac_data.tac_rows(args.data, lex_train)
        log("TAC drug labels: %d windows, %d ADE spans, %d lexicon DRUG spans" % (len(tac), sum(1 for r in tac for s in r["spans"] if s[0] == "ADE"), n_tac_drugs))
        extra_rows += tac
    train_used = list(train_used) + extra_rows
    tr = encode(train_used, vocab, alpha_idx)
    dv = encode(dev_rows, vocab, alpha_idx)
    dropped = sum(spans_to_tags(d["toks"], r["spans"])[1] for d, r in zip(tr, train_used))
    log("train %d sentences (%d overlapping inner spans dropped), dev %d" % (len(tr), dropped, len(dv)))

    w = None
    if not args.no_pretrain:
        t1 = time.time()
        key = hashlib.sha256(json.dumps([sorted(vocab.items()), args.wdim, args.w2v_epochs, args.seed]).encode()).hexdigest()[:16]
        cache = os.path.join(args.w2v_cache, "w2v-%s.pt" % key) if args.w2v_cache else None
        if cache and os.path.exists(cache):
            w = torch.load(cache)
            log("word embeddings from cache %s" % cache)
        else:
            w = pretrain_embeddings(texts, vocab, args.wdim, args.w2v_epochs, args.seed)
            if cache:
                torch.save(w, cache)
        log("word2vec done in %.0fs" % (time.time() - t1))
    use_crf = not args.no_crf
    select_relab = args.select_on == "relabelled" or (args.select_on == "auto" and not args.no_relabel)

    def dev_scores(model):
        if not dev_rows:
            return {}, {}
        tags = predict(model, dv, use_crf)
        return score(dev_rows, dv, tags), score(dev_relab, dv, tags)

    def train_member(k, budget):
        seed = args.seed + k
        torch.manual_seed(seed)
        rng = np.random.RandomState(seed)
        model = Tagger(len(vocab), len(alphabet) + 2, args.wdim, args.cdim, args.cfilters, args.hidden,
                       args.layers, args.dropout, use_char=not args.no_char, freeze_emb=args.freeze_emb)
        if w is not None:
            model.wemb.weight.data.copy_(w)
        opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=args.lr)
        sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=args.lr_decay)
        order = sorted(range(len(tr)), key=lambda i: len(tr[i]["ids"]))
        batches = [order[i:i + args.batch] for i in range(0, len(order), args.batch)]
        best, best_state, best_ep, bad = -1.0, None, 0, 0
        history = []
        t_train = time.time()
        for ep in range(1, args.epochs + 1):
            model.train()
            rng.shuffle(batches)
            tot = 0.0
            for bi in batches:
                ids, am, chars, tags, mask, lengths = make_batch([tr[i] for i in bi], args.word_dropout, rng)
                em = model(ids, am, chars, lengths)
                if use_crf:
                    loss = model.crf_nll(em, tags, mask) / len(bi)
                else:
                    loss = nn.functional.cross_entropy(em[mask], tags[mask])
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                opt.step()
                tot += loss.item()
            sched.step()
            m_orig, m_rel = dev_scores(model)
            history.append({"member": k, "epoch": ep, "loss": tot / len(batches), "ade_dev": m_orig,
                            "ade_dev_relabelled": m_rel})
            if not dev_rows:
                # No dev set (a workspace's notes alone): the last epoch is kept; `sidelight train` judges it
                # on the held-out notes, which it never gives to this script.
                crit = ep
                log("member %d epoch %d/%d loss %.3f | %.0fs" % (k, ep, args.epochs, tot / len(batches), time.time() - t_train))
            else:
                sel = m_rel if select_relab else m_orig
                crit = sel["ADE"]["strict"]["f1"] + sel["DRUG"]["strict"]["f1"]
                log("member %d epoch %d loss %.3f | dev ADE %.3f DRUG %.3f | relabelled dev ADE %.3f DRUG %.3f | %.0fs" % (
                    k, ep, tot / len(batches), m_orig["ADE"]["strict"]["f1"], m_orig["DRUG"]["strict"]["f1"],
                    m_rel["ADE"]["strict"]["f1"], m_rel["DRUG"]["strict"]["f1"], time.time() - t_train))
            if crit > best:
                best, best_ep, bad = crit, ep, 0
                best_state = {kk: v.detach().clone() for kk, v in model.state_dict().items()}
            else:
                bad += 1
            if bad >= args.patience:
                log("early stop: no better dev for %d epochs" % bad)
                break
            if (time.time() - t_train) / 60 > budget:
                log("time budget reached")
                break
        model.load_state_dict(best_state)
        model.eval()
        return model, best_ep, history

    members, best_eps, history = [], [], []
    t_all = time.time()
    for k in range(args.ensemble):
        left = args.time_budget - (time.time() - t_all) / 60
        m, be, h = train_member(k, left / (args.ensemble - k))
        members.append(m)
        best_eps.append(be)
        history += h
    if args.freeze_emb and not args.no_pretrain:
        for m in members[1:]:
            m.wemb = members[0].wemb
    model = Exported(members, fp16_emb=args.freeze_emb and args.fp16_emb)
    model.eval()
    m_orig, m_rel = dev_scores(model)
    best_ep = best_eps if args.ensemble > 1 else best_eps[0]
    minutes = (time.time() - t0) / 60
    log("best epoch %s, total %.1f min" % (best_ep, minutes))
    if dev_rows:
        print(format_table(m_orig, "dev (as the corpus labels it)"))
        print(format_table(m_rel, "dev relabelled (lexicon drugs labelled)"))
    result = {"args": vars(args), "best_epoch": best_ep, "minutes": round(minutes, 2),
              "ade_dev": m_orig, "ade_dev_relabelled": m_rel, "history": history}
    if args.save_state:
        torch.save({"state": model.state_dict(), "vocab": vocab, "alphabet": alphabet, "args": vars(args)},
                   args.save_state)
    if args.out:
        cmd = "/usr/bin/python3 training/train.py " + " ".join(sys.argv[1:] if argv is None else argv)
        strip = lambda m: {k: {"strict": v["strict"], "lenient": v["lenient"]} for k, v in m.items()}
        if workspace_only:
            data_used = ["the workspace's done notes (%d; by note sha256 in the manifest's training.notes)" % len(notes_rows)]
        else:
            data_used = ["shared/data/ade/train.jsonl", "shared/data/tac2017-adr/sections.jsonl (text only, embeddings)",
                         "shared/data/notes/mtsamples (text only, embeddings%s)" % ("" if not skip else "; notes dev files excluded")]
        if notes_rows and args.notes:
            data_used.append("data/notes-labelled/train.jsonl (x%d, %d-word windows)" % (args.notes_oversample, args.notes_window))
        if args.weak_notes:
            data_used.append("shared/data/notes/mtsamples minus labelled notes (lexicon drugs as DRUG, weak)")
        extra = {"training": {"data": data_used,
                              "selection": "last epoch (no dev set)" if not dev_rows else "shared/data/ade/dev.jsonl" + (" (relabelled drugs)" if select_relab else ""),
                              "relabelledDrugs": not args.no_relabel,
                              "command": cmd.strip(), "seed": args.seed, "bestEpoch": best_ep,
                              "minutes": round(minutes, 1)},
                 "metrics": {"ade_dev": strip(m_orig), "ade_dev_relabelled": strip(m_rel)}}
        man = export_bundle(model, vocab, alphabet, args.out, extra, name=args.name)
        if not args.no_emissions:
            from make_vectors import write_emissions
            write_emissions(model, args.out, args.emissions_out)
            log("emissions vectors written to %s" % args.emissions_out)
        log("bundle written to %s (%s)" % (args.out, ", ".join("%s %d" % (k, v["size"]) for k, v in man["files"].items())))
    return result


if __name__ == "__main__":
    res = main()
    print("RESULT " + json.dumps({k: v for k, v in res.items() if k != "history"}))
