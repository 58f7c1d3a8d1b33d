"""Story clusters: near-duplicate copies of one story share a cluster id.

    signature(text) -> tuple[int, ...]
    assign_clusters(existing, new, threshold=THRESHOLD) -> dict[article_id, cluster_id]
    jaccard(sig_a, sig_b) -> float            estimated Jaccard similarity of two signatures

A signature is a MinHash (datasketch >= 2's scheme "affine32", NUM_PERM permutations, fixed
SEED, SHA-1 based 32-bit hashing: computed here with numpy, bit for bit as datasketch computes
it — a test pins that — because importing datasketch pulls in scipy, 0.9 s of every command's
start-up)
over the shingles of the clean text: word 3-grams for alphabetic scripts, character 5-grams of
CJK runs. It is a plain tuple of ints, so it can be stored in a database and compared with
signatures computed by later runs (the parameters are part of SIGNATURE_SCHEME; change them
and stored signatures must be recomputed). A text too short to shingle (< MIN_SHINGLES) gets
the empty signature and is always a story of its own.

Clusters: two articles are copies of one story when their estimated Jaccard similarity is at
least THRESHOLD (chosen on the dev set's pairs: wire copies and light rewrites sit far above
it, different stories on the same event far below; see docs/classification.md). Copies are
linked transitively. A story's cluster id is the article_id of its earliest article
(published_at, then article_id); when an earlier-published copy arrives late, the whole
cluster is renamed to it, and the returned mapping includes the existing articles whose
cluster id changes. Existing clusters are never split.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from typing import Iterable, Sequence

import hashlib

import numpy as np

NUM_PERM = 256
SEED = 20250611
WORD_SHINGLE = 3
CJK_SHINGLE = 5
MIN_SHINGLES = 8
THRESHOLD = 0.12
LSH_BANDS, LSH_ROWS = 128, 2  # candidate pairs: P = 1 - (1 - J^2)^128; 0.94 at J = 0.15, 0.11 at J = 0.03
SCHEME = "affine32"  # datasketch's permutation scheme, pinned: stored signatures depend on it
SIGNATURE_SCHEME = f"minhash-{SCHEME}-sha1-p{NUM_PERM}-s{SEED}-w{WORD_SHINGLE}-c{CJK_SHINGLE}"

_WORD_RE = re.compile(r"[0-9a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+")
_CJK_RUN_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")



def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters for (NUM_PERM, SEED): odd a, any b."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


_A, _B = _permutations()  # computed once per process, read-only
_FMIX32 = (16, np.uint32(0x85EBCA6B), 13, np.uint32(0xC2B2AE35), 16)  # MurmurHash3's 32-bit finalizer


def _minhash(items: Iterable[bytes]) -> np.ndarray:
    """MinHash values of ``items``: SHA-1's first 4 bytes (little-endian) of each, mixed by the
    MurmurHash3 finalizer, then min over items of (a * h + b) mod 2^32 for every permutation."""
    sha1 = hashlib.sha1
    hv = np.frombuffer(b"".join([sha1(x).digest()[:4] for x in items]), dtype="<u4").astype(np.uint32)
    s1, m1, s2, m2, s3 = _FMIX32
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    hv = (hv ^ (hv >> s3)).reshape(-1, 1)
    return (hv * _A + _B).min(axis=0)


def shingles(text: str) -> set[bytes]:
    """Word 3-grams of the alphabetic text plus character 5-grams of its CJK runs."""
    if not text:
        return set()
    norm = unicodedata.normalize("NFKC", text).lower()
    out: set[bytes] = set()
    words = _WORD_RE.findall(_CJK_RUN_RE.sub(" ", norm))
    if len(words) >= WORD_SHINGLE:  # WORD_SHINGLE words joined by a space
        out.update(" ".join(gram).encode("utf-8") for gram in zip(*(words[k:] for k in range(WORD_SHINGLE))))
    elif words:
        out.add(" ".join(words).encode("utf-8"))
    for run in _CJK_RUN_RE.findall(norm):
        if len(run) < CJK_SHINGLE:
            out.add(run.encode("utf-8"))
            continue
        for i in range(len(run) - CJK_SHINGLE + 1):
            out.add(run[i : i + CJK_SHINGLE].encode("utf-8"))
    return out


def signature(text: str | None) -> tuple[int, ...]:
    """The MinHash signature of a clean text (empty tuple when it is too short to compare)."""
    sh = shingles(text or "")
    if len(sh) < MIN_SHINGLES:
        return ()
    return tuple(_minhash(sh).tolist())


def jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two signatures (0.0 when either is empty)."""
    if a is None or b is None or len(a) == 0 or len(a) != len(b):
        return 0.0
    return float(np.count_nonzero(np.asarray(a, dtype=np.uint64) == np.asarray(b, dtype=np.uint64))) / len(a)


def _when(value: object) -> tuple[int, float]:
    """Sort key of a publication time: known times first, earliest first."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            value = None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return (0, value.timestamp())
    return (1, 0.0)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def assign_clusters(
    existing: Iterable[tuple[str, Sequence[int], object, str | None]],
    new: Iterable[tuple[str, Sequence[int], object]],
    threshold: float = THRESHOLD,
) -> dict[str, str]:
    """Cluster ids for the new articles, and new cluster ids for existing ones that change.

    existing: (article_id, signature, published_at, cluster_id) of articles already clustered.
    new: (article_id, signature, published_at) of articles to place.
    Returns {article_id: cluster_id} for every new article and for every existing article
    whose cluster id changes (an earlier copy arrived, or a new copy bridged two clusters).
    """
    existing = list(existing)
    new = [n for n in new if n[0] not in {e[0] for e in existing}] if existing else list(new)
    if not new:
        return {}
    index = _CopyIndex(threshold)
    for aid, sig, published, cluster in existing:
        index.add_existing(aid, sig, published, cluster)
    new_ids = [aid for aid, sig, published in new if index.add_new(aid, sig, published)]
    return index.changes(new_ids)


class _CopyIndex:
    """The articles of one assign_clusters call: their union-find of copies, and the LSH
    buckets as a dict on band_keys (the same candidates as datasketch's MinHashLSH with
    (LSH_BANDS, LSH_ROWS), see band_keys, at a fraction of its per-band cost)."""

    def __init__(self, threshold: float):
        self.threshold = threshold
        self.uf = _UnionFind()
        self.when: dict[str, tuple[int, float]] = {}
        self.current: dict[str, str | None] = {}
        self.sigs: dict[str, np.ndarray] = {}
        self.buckets: dict[tuple[int, int], list[str]] = {}

    def add_existing(self, aid: str, sig, published, cluster: str | None) -> None:
        self.when[aid] = _when(published)
        self.current[aid] = cluster
        self.uf.find(aid)
        if cluster:
            self.uf.union("\x00cluster:" + cluster, aid)
        if sig is not None and len(sig) == NUM_PERM:
            self._index(aid, sig, np.asarray(sig, dtype=np.uint64))

    def add_new(self, aid: str, sig, published) -> bool:
        """Place a new article (linked to every indexed copy); False for an id seen before
        (the same id twice in `new`: first wins)."""
        if aid in self.when:
            return False
        self.when[aid] = _when(published)
        self.uf.find(aid)
        if sig is None or len(sig) != NUM_PERM:
            return True
        mine = np.asarray(sig, dtype=np.uint64)
        candidates = {other for bk in band_keys(sig) for other in self.buckets.get(bk, ())}
        for other in candidates:  # estimated Jaccard, as `jaccard` computes it
            if other != aid and np.count_nonzero(mine == self.sigs[other]) / NUM_PERM >= self.threshold:
                self.uf.union(other, aid)
        self._index(aid, sig, mine)
        return True

    def _index(self, aid: str, sig, arr: np.ndarray) -> None:
        self.sigs[aid] = arr
        for bk in band_keys(sig):
            self.buckets.setdefault(bk, []).append(aid)

    def changes(self, new_ids: list[str]) -> dict[str, str]:
        """Each new article's cluster (named after its earliest member), and every member of
        those clusters whose cluster id changes."""
        members: dict[str, list[str]] = {}
        for aid in self.when:
            members.setdefault(self.uf.find(aid), []).append(aid)
        result: dict[str, str] = {}
        for root in dict.fromkeys(self.uf.find(aid) for aid in new_ids):
            cid = min(members[root], key=lambda a: (self.when[a], a))
            for aid in members[root]:
                if self.current.get(aid, "\x00new") != cid:
                    result[aid] = cid
        return result


def band_keys(sig: Sequence[int]) -> list[tuple[int, int]]:
    """(band, key) pairs of a signature for a persistent LSH index: with LSH_ROWS = 2, each
    band's key packs its two 32-bit hash values into one 64-bit integer, so two signatures share
    a key in a band exactly when datasketch's LSH would put them in the same bucket. A database
    finds candidate copies by joining on (band, key), without loading every signature."""
    if sig is None or len(sig) < LSH_BANDS * LSH_ROWS:  # a list or a numpy array
        return []
    assert LSH_ROWS == 2, "band_keys packs two rows per band"
    rows = np.asarray(sig[:LSH_BANDS * LSH_ROWS], dtype=np.uint64)  # a batch's 500 articles: ~2 ms, not ~40
    return list(enumerate(((rows[0::2] << np.uint64(32)) | rows[1::2]).tolist()))
