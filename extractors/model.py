"""The learned classifier: linear models over hashed n-grams and the taxonomy's terms, scored
with numpy alone (no scikit-learn at run time: it is for training, extractors/train.py).

    Model.load(path) / model.save(path)          an .npz of arrays plus a JSON header
    load_default_model() -> Model | None         the model shipped in extractors/models/
    model.predict(title, text, terms) -> Prediction
    model.covers(language) -> bool               trained on enough articles of that language

One row of weights per learned feature and one column per output: relevance (one logistic
model, Platt-calibrated so that it is a probability an analyst can threshold), each theme's
presence (one logistic model per theme: the probability that the theme is clearly in the
article) and the primary theme (one multinomial model: how central each theme is; the highest is
the primary). A feature vector has three blocks: the article's n-grams (sublinear tf-idf, L2
normalised), the title's n-grams (likewise, scaled by ``title_scale``) and the term features of
:mod:`extractors.features` (standardised with the training set's mean and spread).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .features import LEAD_CHARS, MAX_CHARS, gram_hashes

MODEL_FORMAT = 1
CHUNK_CHARS = 1000  # passages of a long article whose themes are looked at on their own
DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "classifier.npz"
_ARRAYS = ("body_vocab", "body_idf", "body_w", "title_vocab", "title_idf", "title_w", "term_mean", "term_scale",
           "term_w", "bias")


@dataclass(frozen=True)
class Prediction:
    relevance: float  # calibrated probability that the article is on the topic
    presence: dict[str, float]  # theme -> probability that it is clearly present
    centrality: dict[str, float]  # theme -> share of "this is the primary theme" (sums to 1)


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Consecutive passages of about ``size`` characters, cut at line or sentence ends."""
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = max(text.rfind("\n", start + size // 2, end), text.rfind(". ", start + size // 2, end))
            end = cut + 1 if cut > 0 else end
        out.append(text[start:end])
        start = end
    return out


class ModelError(ValueError):
    """A model file cannot be used."""


def block(hs: np.ndarray, vocab: np.ndarray, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, values) of one n-gram block: the known n-grams' sublinear tf x idf, L2-normalised."""
    if not len(hs) or not len(vocab):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
    uniq, counts = np.unique(hs, return_counts=True)
    rows = np.minimum(np.searchsorted(vocab, uniq), len(vocab) - 1)
    known = vocab[rows] == uniq
    rows = rows[known]
    values = (1.0 + np.log(counts[known])).astype(np.float32) * idf[rows]
    norm = float(np.sqrt(np.dot(values, values)))
    return rows, (values / norm if norm > 0 else values)


class Model:
    """Learned weights; immutable once built (the arrays are made read-only)."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict):
        missing = [k for k in _ARRAYS if k not in arrays]
        if missing or meta.get("format") != MODEL_FORMAT:
            raise ModelError(f"not a classifier model of format {MODEL_FORMAT} (missing {missing})")
        self.arrays = {k: np.ascontiguousarray(arrays[k]) for k in _ARRAYS}
        for a in self.arrays.values():
            a.setflags(write=False)
        self.meta = meta
        self.themes: tuple[str, ...] = tuple(meta["themes"])
        self.term_names: tuple[str, ...] = tuple(meta["term_features"])
        self.languages: frozenset[str] = frozenset(meta["languages"])
        self.title_scale = float(meta["title_scale"])
        self.rel_a, self.rel_b = (float(v) for v in meta["relevance_calibration"])
        self.thresholds: dict[str, float] = {t: float(v) for t, v in meta["presence_thresholds"].items()}
        self.version = f"lr{MODEL_FORMAT}-{self.digest()}"

    # -- scoring ------------------------------------------------------------------------------

    def covers(self, language: str | None) -> bool:
        """Whether the model was trained on enough articles of this language to be trusted."""
        return language in self.languages

    def _body(self, hs: np.ndarray) -> np.ndarray:
        """The n-gram block's contribution to every output."""
        rows, vals = block(hs, self.arrays["body_vocab"], self.arrays["body_idf"])
        return vals @ self.arrays["body_w"][rows] if len(rows) else 0.0

    def _fixed(self, title: str, text: str, terms: np.ndarray) -> np.ndarray:
        """Bias, headline block and term features: what every passage of an article shares."""
        a = self.arrays
        z = a["bias"].astype(np.float64) + ((terms - a["term_mean"]) / a["term_scale"]) @ a["term_w"]
        rows, vals = block(gram_hashes(title + "\n" + text[:LEAD_CHARS]), a["title_vocab"], a["title_idf"])
        return z + self.title_scale * (vals @ a["title_w"][rows]) if len(rows) else z

    def logits(self, title: str, text: str, terms: np.ndarray) -> np.ndarray:
        return self._fixed(title, text, terms) + self._body(np.concatenate([gram_hashes(title), gram_hashes(text)]))

    def predict(self, title: str, text: str, terms: np.ndarray, passages_from: float = 0.0) -> Prediction:
        """Scores of one article; ``terms`` is features.term_features(..., self.themes).

        The model learned from opening paragraphs (about 800 characters): in a longer article a
        theme covered only further down would be diluted by the rest, so each theme's presence
        is the highest of the whole article's and of each CHUNK_CHARS passage's (with the
        article's title, headline block and term features). Passages are scored only when the
        article's relevance is at least ``passages_from``: a caller that reads no presence
        below some relevance (an irrelevant article gets no themes) skips that work."""
        if len(text) < 1.5 * CHUNK_CHARS:
            return self.from_logits(self.logits(title, text, terms))
        fixed, title_h = self._fixed(title, text, terms), gram_hashes(title)
        parts = [np.concatenate([title_h, gram_hashes(c)]) for c in chunks(text[:MAX_CHARS])]
        pred = self.from_logits(fixed + self._body(np.concatenate(parts)))
        if pred.relevance < passages_from:
            return pred
        n = len(self.themes)
        presence = np.array([pred.presence[t] for t in self.themes])
        for hs in parts:
            z = (fixed + self._body(hs))[1 : 1 + n]
            presence = np.maximum(presence, 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))
        return Prediction(pred.relevance, dict(zip(self.themes, presence.tolist())), pred.centrality)

    def from_logits(self, z: np.ndarray) -> Prediction:
        n = len(self.themes)
        rel = 1.0 / (1.0 + np.exp(np.clip(self.rel_a * z[0] + self.rel_b, -30, 30)))
        presence = 1.0 / (1.0 + np.exp(-np.clip(z[1 : 1 + n], -30, 30)))
        prim = z[1 + n : 1 + 2 * n]
        prim = np.exp(prim - prim.max())
        prim = prim / prim.sum()
        return Prediction(float(rel), dict(zip(self.themes, presence.tolist())), dict(zip(self.themes, prim.tolist())))

    def themes_of(self, pred: Prediction, allowed: frozenset[str] | set[str] | None = None) -> list[tuple[str, float, float]]:
        """(theme, centrality, presence) of the themes an on-topic article has, most central
        first: the most central theme (the primary) and every theme whose presence reaches its
        threshold; only ``allowed`` themes (those of the taxonomy in use) when given."""
        themes = [t for t in self.themes if allowed is None or t in allowed]
        if not themes:
            return []
        primary = max(themes, key=lambda t: (pred.centrality[t], pred.presence[t]))
        chosen = [t for t in themes if t == primary or pred.presence[t] >= self.thresholds[t]]
        chosen.sort(key=lambda t: (-pred.centrality[t], -pred.presence[t], t))
        return [(t, pred.centrality[t], pred.presence[t]) for t in chosen]

    def sentence_weight(self, theme: str, sentence: str) -> float:
        """How much one sentence's n-grams speak for a theme (for an evidence sentence when no
        term of the theme's vocabulary appears)."""
        col = 1 + self.themes.index(theme)
        rows, vals = block(gram_hashes(sentence), self.arrays["body_vocab"], self.arrays["body_idf"])
        return float(vals @ self.arrays["body_w"][rows, col]) if len(rows) else 0.0

    # -- identity, size, files -----------------------------------------------------------------

    def digest(self) -> str:
        h = hashlib.sha1()
        for k in _ARRAYS:
            h.update(self.arrays[k].tobytes())
        h.update(json.dumps({k: v for k, v in self.meta.items() if k not in ("figures", "notes")}, sort_keys=True).encode())
        return h.hexdigest()[:8]

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays.values())

    def save(self, path: str | Path) -> None:
        buf = io.BytesIO()
        header = np.frombuffer(json.dumps(self.meta, sort_keys=True).encode("utf-8"), dtype=np.uint8)
        np.savez_compressed(buf, meta=header, **self.arrays)
        Path(path).write_bytes(buf.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> "Model":
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files if k != "meta"}
                meta = json.loads(bytes(data["meta"]).decode("utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{path}: cannot be read as a classifier model ({exc})") from None
        return cls(arrays, meta)


@lru_cache(maxsize=1)
def load_default_model() -> Model | None:
    """The shipped model (package data), loaded once per process; None when it is absent."""
    return Model.load(DEFAULT_MODEL) if DEFAULT_MODEL.is_file() else None
