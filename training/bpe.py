"""CLIP-style byte-level BPE: trainer, file writer (vocab.json / merges.txt / configs) and tokenizer.

Layout follows CLIP exactly so a standard CLIP tokenizer loads the files unchanged:
  ids 0..255    : the 256 byte-level characters (GPT-2 bytes_to_unicode order)
  ids 256..511  : the same characters with the end-of-word suffix "</w>"
  ids 512..     : one token per merge, in merge rank order
  last two ids  : <|startoftext|> (BOS), <|endoftext|> (EOS)
Pre-tokenisation: whitespace clean-up, lower-case, then CLIP's regex
  <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+
(`regex` is not installed here; the stdlib equivalent below is identical on ASCII and on letters/digits.)
Pad token: "<|endoftext|>" (as SD 1).
"""
import json
import os
import re
from collections import Counter

BOS = "<|startoftext|>"
EOS = "<|endoftext|>"
PAD = EOS
MAX_LEN = 77

try:  # exact CLIP regex when the `regex` module exists
    import regex as _re
    PAT = _re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
                      _re.IGNORECASE)
except ImportError:
    PAT = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|(?:[^\s\w]|_)+""",
                     re.IGNORECASE)


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENC = bytes_to_unicode()


def clean(text):
    return re.sub(r"\s+", " ", text).strip().lower()


def pre_tokenize(text):
    return PAT.findall(clean(text))


def word_symbols(word):
    chars = [BYTE_ENC[b] for b in word.encode("utf-8")]
    return tuple(chars[:-1]) + (chars[-1] + "</w>",)


def train_bpe(corpus, max_merges=1000):
    """Greedy BPE on word frequencies; ties broken by pair string order (deterministic)."""
    freqs = Counter()
    for line in corpus:
        for w in pre_tokenize(line):
            if w in (BOS, EOS):
                continue
            freqs[word_symbols(w)] += 1
    words = dict(freqs)
    merges = []
    while len(merges) < max_merges:
        pairs = Counter()
        for sym, f in words.items():
            for a, b in zip(sym[:-1], sym[1:]):
                pairs[(a, b)] += f
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        new = {}
        for sym, f in words.items():
            out = []
            i = 0
            while i < len(sym):
                if i < len(sym) - 1 and sym[i] == best[0] and sym[i + 1] == best[1]:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + f
        words = new
    return merges


def build_vocab(merges):
    base = list(BYTE_ENC.values())
    vocab = base + [c + "</w>" for c in base]
    for a, b in merges:
        vocab.append(a + b)
    vocab += [BOS, EOS]
    return {t: i for i, t in enumerate(vocab)}


def write_tokenizer(folder, merges):
    os.makedirs(folder, exist_ok=True)
    vocab = build_vocab(merges)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    special = {"bos_token": BOS, "eos_token": EOS, "unk_token": EOS, "pad_token": PAD}
    with open(os.path.join(folder, "special_tokens_map.json"), "w") as f:
        json.dump(special, f, indent=2)
    cfg = dict(special)
    cfg.update({"model_max_length": MAX_LEN, "do_lower_case": True, "add_prefix_space": False, "errors": "replace",
                "tokenizer_class": "CLIPTokenizer", "clean_up_tokenization_spaces": True})
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    return vocab


class Tokenizer:
    def __init__(self, folder):
        with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
            self.vocab = json.load(f)
        with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
            lines = f.read().split("\n")[1:]
        self.ranks = {tuple(l.split(" ")): i for i, l in enumerate(lines) if l}
        self.inv = {v: k for k, v in self.vocab.items()}
        self.bos = self.vocab[BOS]
        self.eos = self.vocab[EOS]
        self.pad = self.vocab[PAD]
        self.cache = {}

    def bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        sym = list(word_symbols(word))
        while len(sym) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(sym[:-1], sym[1:]))]
            r, _ = min(pairs)
            if r == 1 << 30:
                break
            i = min(i for rr, i in pairs if rr == r)
            first, second = sym[i], sym[i + 1]
            out = []
            j = 0
            while j < len(sym):
                if j < len(sym) - 1 and sym[j] == first and sym[j + 1] == second:
                    out.append(first + second)
                    j += 2
                else:
                    out.append(sym[j])
                    j += 1
            sym = out
        self.cache[word] = sym
        return sym

    def encode(self, text):
        ids = []
        for w in pre_tokenize(text):
            if w == BOS:
                ids.append(self.bos)
            elif w == EOS:
                ids.append(self.eos)
            else:
                ids += [self.vocab[t] for t in self.bpe(w)]
        return ids

    def __call__(self, text, fixed=True, max_len=MAX_LEN):
        """[BOS] + ids + [EOS], truncated to max_len (EOS kept last); padded with PAD to max_len if fixed."""
        ids = self.encode(text)[: max_len - 2]
        ids = [self.bos] + ids + [self.eos]
        if fixed:
            ids = ids + [self.pad] * (max_len - len(ids))
        return ids

    def word_positions(self, text, word):
        """Token positions (BOS = 0) of every occurrence of `word` (first token of the word)."""
        pos = []
        p = 1
        for w in pre_tokenize(text):
            n = len(self.bpe(w))
            if w == word.lower():
                pos.append(p)
            p += n
        return pos

    def decode(self, ids):
        dec = {v: k for k, v in BYTE_ENC.items()}
        s = "".join(self.inv[i] for i in ids if i not in (self.bos, self.eos))
        s = s.replace("</w>", " ")
        return bytes(bytearray(dec[c] if c in dec else 32 for c in s)).decode("utf-8", errors="replace").strip()


def self_test(folder):
    tok = Tokenizer(folder)
    v = tok.vocab
    assert v[BOS] == len(v) - 2 and v[EOS] == len(v) - 1
    for c in BYTE_ENC.values():
        assert c in v and c + "</w>" in v
    import data
    words = data.SHAPES + list(data.COLORS) + list(data.BACKGROUNDS)
    for w in words:
        assert len(tok.bpe(w)) == 1, (w, tok.bpe(w))
    ids = tok("a red circle and a blue square", fixed=False)
    assert len(ids) == 9, ids
    assert tok.decode(ids) == "a red circle and a blue square", tok.decode(ids)
    # arbitrary input (unicode, digits, punctuation) tokenises
    odd = tok("Ünïcode 123 ...!? zebra-crossing", fixed=True)
    assert len(odd) == MAX_LEN and odd[0] == tok.bos
    assert tok.word_positions("a red circle and a blue square", "circle") == [3]
    print("bpe self-test ok: vocab", len(v), "merges", len(tok.ranks), "ids", ids)


if __name__ == "__main__":
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import data
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "models", "shapes", "tokenizer")
    merges = train_bpe(data.caption_corpus(), max_merges=int(os.environ.get("BPE_MERGES", "400")))
    write_tokenizer(out, merges)
    self_test(out)
