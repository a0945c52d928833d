"""A BERT WordPiece tokenizer with character offsets (the Hugging Face `BertNormalizer` +
`BertPreTokenizer` + `WordPiece` pipeline, lowercasing and accent stripping), and a small vocabulary
builder. Used only for the Optimum-format test fixture (test/fixtures/optimum-bert) and its vectors.

Offsets are code-point offsets into the ORIGINAL text: every normalised character remembers the
original character it came from.
"""
import collections
import unicodedata

from common import is_punct

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def _is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def _is_chinese(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def bert_normalize(text):
    """BertNormalizer(clean_text, handle_chinese_chars, strip_accents=None->lowercase, lowercase):
    returns [(normalised char, original code-point index)]."""
    out = []
    for i, ch in enumerate(text):
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if ch.isspace():
            out.append((" ", i))
            continue
        if _is_chinese(cp):
            out += [(" ", i), (ch, i), (" ", i)]
            continue
        for c in unicodedata.normalize("NFD", ch.lower()):
            if unicodedata.category(c) == "Mn":
                continue
            out.append((c, i))
    return out


def bert_words(text):
    """Normalise then BertPreTokenizer: [(word string (normalised), [orig index of each char])]."""
    norm = bert_normalize(text)
    words, cur = [], []
    for c, i in norm:
        if c.isspace():
            if cur:
                words.append(cur)
            cur = []
        elif is_punct(c):
            if cur:
                words.append(cur)
            words.append([(c, i)])
            cur = []
        else:
            cur.append((c, i))
    if cur:
        words.append(cur)
    return [("".join(c for c, _ in w), [i for _, i in w]) for w in words]


class WordPiece:
    def __init__(self, vocab, max_chars=100):
        self.vocab = vocab
        self.unk = vocab["[UNK]"]
        self.max_chars = max_chars

    def word_pieces(self, word):
        """Greedy longest-match-first -> [(id, start, end)] with offsets into the word, or None."""
        if len(word) > self.max_chars:
            return None
        out, start = [], 0
        while start < len(word):
            end = len(word)
            hit = None
            while start < end:
                s = word[start:end]
                if start > 0:
                    s = "##" + s
                if s in self.vocab:
                    hit = self.vocab[s]
                    break
                end -= 1
            if hit is None:
                return None
            out.append((hit, start, end))
            start = end
        return out

    def encode(self, text):
        """[(id, start, end, word_index)] code-point offsets into the original text, no [CLS]/[SEP]."""
        out = []
        for wi, (w, idx) in enumerate(bert_words(text)):
            pieces = self.word_pieces(w)
            if pieces is None:
                out.append((self.unk, idx[0], idx[-1] + 1, wi))
            else:
                for pid, a, b in pieces:
                    out.append((pid, idx[a], idx[b - 1] + 1, wi))
        return out


def build_vocab(texts, n_words=2000, n_prefix=500, n_suffix=500, min_char=2):
    """A simple WordPiece vocabulary: specials, characters (initial and ##), the most frequent words,
    then the most frequent word prefixes and ##suffixes of the words left out (weighted by frequency)."""
    wc = collections.Counter()
    for t in texts:
        for w, _ in bert_words(t):
            wc[w] += 1
    cc = collections.Counter()
    for w, n in wc.items():
        for c in w:
            cc[c] += n
    vocab = {s: i for i, s in enumerate(SPECIALS)}

    def add(s):
        if s not in vocab:
            vocab[s] = len(vocab)

    chars = sorted(c for c, n in cc.items() if n >= min_char)
    for c in chars:
        add(c)
    for c in chars:
        add("##" + c)
    words = [w for w, n in wc.most_common() if len(w) > 1]
    for w in words[:n_words]:
        add(w)
    rest = collections.Counter({w: wc[w] for w in words[n_words:]})
    pre, suf = collections.Counter(), collections.Counter()
    for w, n in rest.items():
        for k in range(2, min(7, len(w))):
            pre[w[:k]] += n
            suf[w[-k:]] += n
    for p, _ in pre.most_common(n_prefix):
        add(p)
    for s, _ in suf.most_common(n_suffix):
        add("##" + s)
    return vocab


def tokenizer_json(vocab):
    added = [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in SPECIALS]
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [cls], "tokens": ["[CLS]"]},
                               "[SEP]": {"id": "[SEP]", "ids": [sep], "tokens": ["[SEP]"]}},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }
