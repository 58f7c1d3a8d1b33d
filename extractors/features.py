"""The learned classifier's features of one article: hashed n-grams and the taxonomy's terms.

    ngram_hashes(title, text) -> (body hashes, title hashes)      uint32 arrays, one per n-gram
    term_features(analysis, taxonomy, themes) -> {name: value}  the rules' evidence as numbers

N-grams (on NFKC-normalised, lower-cased text): words and word pairs of alphabetic scripts
(Latin, Greek, Cyrillic); characters and character pairs of CJK runs (Chinese and Japanese are
written without spaces; Korean words are short runs of Hangul syllables). The title's n-grams
and those of the text's first LEAD_CHARS characters (the headline and lead, which decide the
primary theme) are a second block. Each n-gram is named by a 32-bit hash (a word's CRC-32, pairs and CJK
characters mixed from those in numpy): the model keeps the sorted hashes of the n-grams it
learned (4 bytes each, no strings), so a process holds no vocabulary dict; a learned n-gram's
hash shared by an unseen one (about 1 in 50,000 for a vocabulary of 80,000) only adds noise. Training and scoring call these same functions.

Term features: for every theme the model knows, log(1 + evidence), the rules' score, log(1 +
distinct terms), log(1 + its term weight in the title), the same in the title and first two
sentences, and its evidence as a share of the top theme's; for relevance, the rules' relevance
features. They carry what the vocabulary knows (and what a user adds to it) into the
model.
"""

from __future__ import annotations

import math
import re
import unicodedata
from zlib import crc32

import numpy as np

from .relevance import relevance_features
from .taxonomy import Taxonomy
from .themes import Analysis, bucket_evidence, distinct_terms

MAX_CHARS = 12_000  # the model reads the first 12,000 characters (about 2,000 words)
LEAD_CHARS = 400  # the headline block: the title and the text's first 400 characters

_WORD_RE = re.compile(r"[0-9a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+")
_CJK_RUN_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")

RELEVANCE_TERM_FEATURES = ("rel_core", "rel_topic_share", "rel_topic_count", "rel_title", "rel_offtopic")
THEME_TERM_SUFFIXES = ("ev", "score", "terms", "title", "lead", "share")


_MUL = np.uint64(0x9E3779B97F4A7C15)
_LOW = np.uint64(0xFFFFFFFF)
_WORD_PAIR, _CJK_CHAR, _CJK_PAIR = 1, 2, 3  # salts: one namespace per kind of n-gram


def _mix(a: np.ndarray, b: np.ndarray | int, salt: int) -> np.ndarray:
    """A 32-bit hash of pairs of 32-bit values (64-bit multiply-xor; wraps, deterministic)."""
    x = (a.astype(np.uint64) + np.uint64(salt)) * _MUL
    x = (x ^ np.asarray(b, dtype=np.uint64)) * _MUL
    return ((x >> np.uint64(32)) ^ (x & _LOW)).astype(np.uint32)


def gram_hashes(text: str) -> np.ndarray:
    """Hashes of the words and word pairs, CJK characters and character pairs of a text: each
    word's CRC-32 (zlib, in C), the rest mixed from those and from code points in numpy (no
    string is built per n-gram)."""
    norm = unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower()
    words = _WORD_RE.findall(norm)
    known = {w: crc32(w.encode("utf-8")) for w in set(words)}  # a word recurs: hash it once
    hw = np.fromiter(map(known.__getitem__, words), dtype=np.uint32, count=len(words))
    parts = [hw, _mix(hw[:-1], hw[1:], _WORD_PAIR)] if len(hw) > 1 else [hw]
    runs = _CJK_RUN_RE.findall(norm)
    if runs:
        cp = np.frombuffer("\x00".join(runs).encode("utf-32-le"), dtype=np.uint32)
        parts.append(_mix(cp[cp > 0], 0, _CJK_CHAR))
        pair = (cp[:-1] > 0) & (cp[1:] > 0)
        parts.append(_mix(cp[:-1][pair], cp[1:][pair], _CJK_PAIR))
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def ngram_hashes(title: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every n-gram of title + text (the body block) and of the title and lead."""
    head = gram_hashes(title + "\n" + text[:LEAD_CHARS])
    return np.concatenate([gram_hashes(title), gram_hashes(text)]), head


def term_feature_names(themes: tuple[str, ...]) -> tuple[str, ...]:
    return RELEVANCE_TERM_FEATURES + tuple(f"{t}:{s}" for t in themes for s in THEME_TERM_SUFFIXES)


def term_features(analysis: Analysis, taxonomy: Taxonomy, themes: tuple[str, ...]) -> np.ndarray:
    """The rules' evidence, in the order of term_feature_names(themes); a theme the taxonomy
    lacks gives zeros."""
    rf = relevance_features(analysis, taxonomy)
    values = [math.log1p(rf.core), rf.topic_share, math.log1p(rf.topic_count), float(rf.title_on_topic),
              math.log1p(rf.offtopic)]
    known = set(taxonomy.theme_ids)
    saturation = taxonomy.settings.saturation
    rows = []
    for theme in themes:
        if theme not in known:
            rows.append((0.0, 0.0, 0.0, 0.0))
            continue
        bucket = f"theme:{theme}"
        ev, per_sentence = bucket_evidence(analysis, bucket, taxonomy)
        ev = max(0.0, ev)
        lead = sum(w for i, w in per_sentence.items() if i < 2)
        rows.append((ev, math.log1p(distinct_terms(analysis, bucket)), math.log1p(max(0.0, per_sentence.get(-1, 0.0))),
                     math.log1p(max(0.0, lead))))
    top = max((r[0] for r in rows), default=0.0)
    for ev, terms, title, lead in rows:
        values.extend((math.log1p(ev), 1.0 - math.exp(-ev / saturation), terms, title, lead, ev / top if top > 0 else 0.0))
    return np.asarray(values, dtype=np.float32)
