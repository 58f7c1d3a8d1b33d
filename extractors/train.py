"""Training the classifier (scikit-learn, the optional ``train`` extra, imported only here and
only when a model is trained: ``pip install 'chipwire[train]'``).

    train_model(documents, taxonomy, corrections=(), params=TrainParams()) -> Model
    cross_validate(documents, taxonomy, params, folds=5) -> [(Document, Prediction)]
    group_folds(documents, folds) -> [(train indices, test indices)]   by story, deterministic

Pure: documents in (extractors.corpus), a Model out; nothing is read or written here.

What is learned (see extractors/model.py for the scoring side):
- relevance: L2 logistic regression on every document labelled relevant or not, its score
  then Platt-calibrated on out-of-fold scores (folds by story), so 0.7 means about 7 in 10;
- presence of each theme: one L2 logistic regression per theme on the relevant documents:
  present themes are positives, clearly absent ones (the corpus's ``forbidden``, an analyst's
  "not this theme") strong negatives, the other themes of a completely labelled document weak
  negatives (they may be passing mentions); a theme with fewer than ``min_positives`` positive
  documents is left to its terms;
- the primary theme: multinomial logistic regression on the relevant documents' primary.
Every document's weight multiplies in (an analyst's correction weighs CORRECTION_WEIGHT).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

import numpy as np

from .corpus import Correction, Document, with_corrections
from .features import RELEVANCE_TERM_FEATURES, THEME_TERM_SUFFIXES, ngram_hashes, term_feature_names, term_features
from .model import MODEL_FORMAT, Model, Prediction, block
from .taxonomy import Taxonomy
from .themes import analyse


@dataclass(frozen=True)
class TrainParams:
    c_relevance: float = 4.0
    c_presence: float = 4.0
    c_primary: float = 16.0
    min_df: int = 2  # an n-gram must occur in at least this many training documents
    title_scale: float = 0.7
    # the standardised term features are multiplied by this in each model (the smaller, the
    # more the model leans on n-grams rather than on the vocabulary's evidence)
    term_scale_relevance: float = 0.1
    term_scale_presence: float = 0.1
    term_scale_primary: float = 0.1
    weak_negative: float = 0.5
    strong_negative: float = 2.0
    presence_threshold: float = 0.45  # every theme's presence threshold (chosen by 5-fold CV)
    # when set, each theme's threshold instead maximises F-beta on its out-of-fold probabilities
    # (< 1 favours precision); in CV on the tuning part (beta 0.7 and 1.0) it moved along the same
    # found/absent curve as one threshold, no better, so it is off by default
    threshold_beta: float | None = None
    min_positives: int = 3
    min_language_docs: int = 8  # a language with fewer training documents falls back to terms
    calibration_folds: int = 5
    # added to a theme's primary logit after training: export_controls is the umbrella theme
    # whose words every on-topic story uses, and the multinomial model hands its stories to the
    # more specific theme they name (a bill's explainer to compliant_chips because it names the
    # H20). +0.5 was chosen on the newest stories of the tuning part (primary 0.833 -> 0.897)
    # with 5-fold CV by story unchanged (0.823 -> 0.819); see docs/classification.md
    primary_offsets: tuple[tuple[str, float], ...] = (("export_controls", 0.5),)


@dataclass
class Prepared:
    """The features of some documents, computed once (n-gram hashes, term features)."""

    docs: list[Document]
    body: list[np.ndarray]
    title: list[np.ndarray]
    terms: np.ndarray  # [n, term features]
    themes: tuple[str, ...]

    def subset(self, idx: Sequence[int]) -> "Prepared":
        return Prepared([self.docs[i] for i in idx], [self.body[i] for i in idx], [self.title[i] for i in idx],
                        self.terms[list(idx)], self.themes)


def prepare(documents: Iterable[Document], taxonomy: Taxonomy, themes: tuple[str, ...] | None = None) -> Prepared:
    docs = list(documents)
    themes = tuple(themes if themes is not None else taxonomy.theme_ids)
    body, title, terms = [], [], []
    for d in docs:
        b, t = ngram_hashes(d.title, d.text)
        body.append(b)
        title.append(t)
        terms.append(term_features(analyse(d.title, d.text, d.lang, taxonomy), taxonomy, themes))
    width = len(term_feature_names(themes))
    return Prepared(docs, body, title, np.vstack(terms) if terms else np.zeros((0, width), np.float32), themes)


def _vocab(blocks: list[np.ndarray], min_df: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted hashes of the n-grams in at least min_df documents, and their idf."""
    if not blocks:
        return np.zeros(0, np.uint32), np.zeros(0, np.float32)
    uniq, df = np.unique(np.concatenate([np.unique(b) for b in blocks]), return_counts=True)
    keep = df >= min_df
    idf = np.log((1.0 + len(blocks)) / (1.0 + df[keep])) + 1.0
    return uniq[keep].astype(np.uint32), idf.astype(np.float32)


class _Design:
    """The feature matrix of prepared documents under one vocabulary and scaling."""

    def __init__(self, prep: Prepared, params: TrainParams):
        self.body_vocab, self.body_idf = _vocab(prep.body, params.min_df)
        self.title_vocab, self.title_idf = _vocab(prep.title, params.min_df)
        self.term_mean = prep.terms.mean(axis=0).astype(np.float32) if len(prep.terms) else np.zeros(prep.terms.shape[1], np.float32)
        spread = prep.terms.std(axis=0) if len(prep.terms) else np.ones(prep.terms.shape[1])
        self.term_scale = np.where(spread > 1e-6, spread, 1.0).astype(np.float32)
        self.title_scale = params.title_scale

    def matrix(self, prep: Prepared):
        from scipy import sparse

        nb, nt = len(self.body_vocab), len(self.title_vocab)
        rows, cols, vals = [], [], []
        for i in range(len(prep.docs)):
            for offset, (r, v) in ((0, block(prep.body[i], self.body_vocab, self.body_idf)),
                                   (nb, block(prep.title[i], self.title_vocab, self.title_idf))):
                rows.append(np.full(len(r), i))
                cols.append(r + offset)
                vals.append(v * (self.title_scale if offset else 1.0))
        sparse_part = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                        shape=(len(prep.docs), nb + nt))
        dense = (prep.terms - self.term_mean) / self.term_scale
        return sparse.hstack([sparse_part, sparse.csr_matrix(dense)]).tocsr()


def _term_columns(have: Sequence[str], want: Sequence[str]) -> list[int]:
    """Columns of term_features(..., have) that make term_features(..., want)."""
    per = len(THEME_TERM_SUFFIXES)
    base = len(RELEVANCE_TERM_FEATURES)
    return list(range(base)) + [base + per * have.index(t) + k for t in want for k in range(per)]


def _presence_labels(docs: list[Document], theme: str, params: TrainParams) -> tuple[list[int], list[int], list[float]]:
    """(document index, label, weight) for one theme's presence model (relevant documents)."""
    idx, y, w = [], [], []
    for i, d in enumerate(docs):
        if d.relevant is not True:
            continue
        if theme in d.present:
            label, weight = 1, 1.0
        elif theme in d.absent:
            label, weight = 0, params.strong_negative
        elif d.complete and theme not in d.passing:
            label, weight = 0, params.weak_negative
        else:
            continue
        idx.append(i)
        y.append(label)
        w.append(weight * d.weight)
    return idx, y, w


def _logistic(c: float, multinomial: bool = False):
    from sklearn.linear_model import LogisticRegression

    if multinomial:
        return LogisticRegression(C=c, max_iter=3000, tol=1e-5)
    return LogisticRegression(C=c, solver="liblinear", max_iter=1000, tol=1e-6)


def _fit_binary(X, idx, y, w, c: float) -> tuple[np.ndarray, float]:
    if len(set(y)) < 2:  # one class only: a constant model
        return np.zeros(X.shape[1]), (6.0 if (y and y[0] == 1) else -6.0)
    clf = _logistic(c).fit(X[idx], np.asarray(y), sample_weight=np.asarray(w))
    return clf.coef_[0], float(clf.intercept_[0])


def _platt(X, docs: list[Document], idx: list[int], y: list[int], w: list[float], params: TrainParams) -> tuple[float, float]:
    """(a, b) of p = 1 / (1 + exp(a z + b)) fitted on out-of-fold relevance scores."""
    from sklearn.linear_model import LogisticRegression

    sub = [docs[i] for i in idx]
    z = np.zeros(len(idx))
    folds = group_folds(sub, params.calibration_folds)
    if len(folds) < 2 or len(set(y)) < 2:
        return -1.0, 0.0
    ya, wa, ia = np.asarray(y), np.asarray(w), np.asarray(idx)
    for tr, te in folds:
        coef, b0 = _fit_binary(X, ia[tr].tolist(), ya[tr].tolist(), wa[tr].tolist(), params.c_relevance)
        z[te] = X[ia[te]] @ coef + b0
    cal = LogisticRegression(C=1e4).fit(z.reshape(-1, 1), ya, sample_weight=wa)
    return -float(cal.coef_[0][0]), -float(cal.intercept_[0])


def fit(prep: Prepared, params: TrainParams, taxonomy: Taxonomy, extra_meta: dict | None = None) -> Model:
    """A model from prepared documents (their labels, their features)."""
    docs = prep.docs
    themes = [t for t in prep.themes if sum(1 for d in docs if d.relevant and t in d.present) >= params.min_positives]
    prep = Prepared(docs, prep.body, prep.title, prep.terms[:, _term_columns(prep.themes, themes)], tuple(themes))
    design = _Design(prep, params)
    X = design.matrix(prep)
    n, dense = len(themes), prep.terms.shape[1]
    W = np.zeros((X.shape[1], 1 + 2 * n))
    bias = np.zeros(1 + 2 * n)
    rel_idx = [i for i, d in enumerate(docs) if d.relevant is not None]
    rel_y = [int(docs[i].relevant) for i in rel_idx]
    rel_w = [docs[i].weight for i in rel_idx]
    Xr = _scale_terms(X, dense, params.term_scale_relevance)
    W[:, 0], bias[0] = _fit_binary(Xr, rel_idx, rel_y, rel_w, params.c_relevance)
    calibration = _platt(Xr, docs, rel_idx, rel_y, rel_w, params)
    Xp = _scale_terms(X, dense, params.term_scale_presence)
    thresholds = {}
    for j, theme in enumerate(themes):
        labels = _presence_labels(docs, theme, params)
        W[:, 1 + j], bias[1 + j] = _fit_binary(Xp, *labels, params.c_presence)
        thresholds[theme] = _threshold(Xp, docs, labels, params)
    _fit_primary(_scale_terms(X, dense, params.term_scale_primary), docs, themes, params, W, bias)
    # the scaled term columns are folded into their weights: the model scores standardised terms
    W[-dense:, 0] *= params.term_scale_relevance
    W[-dense:, 1 : 1 + n] *= params.term_scale_presence
    W[-dense:, 1 + n :] *= params.term_scale_primary
    return _model(design, W, bias, themes, prep, params, calibration, thresholds, extra_meta or {})


def _threshold(X, docs: list[Document], labels, params: TrainParams) -> float:
    """The presence threshold of one theme: params.presence_threshold, or with threshold_beta
    set, the one that maximises F-beta of its out-of-fold probabilities (folds by story; not
    with fewer than 5 positive documents)."""
    idx, y, w = labels
    if params.threshold_beta is None or sum(y) < 5 or len(set(y)) < 2:
        return params.presence_threshold
    sub = [docs[i] for i in idx]
    folds = group_folds(sub, params.calibration_folds)
    if len(folds) < 2:
        return params.presence_threshold
    ia, ya, wa = np.asarray(idx), np.asarray(y), np.asarray(w)
    prob = np.zeros(len(idx))
    for tr, te in folds:
        coef, b0 = _fit_binary(X, ia[tr].tolist(), ya[tr].tolist(), wa[tr].tolist(), params.c_presence)
        prob[te] = 1.0 / (1.0 + np.exp(-(X[ia[te]] @ coef + b0)))
    b2 = params.threshold_beta ** 2
    best = (-1.0, params.presence_threshold)
    for th in np.arange(0.2, 0.86, 0.05):
        tp = float(np.sum((prob >= th) & (ya == 1)))
        fp = float(np.sum((prob >= th) & (ya == 0)))
        fn = float(np.sum((prob < th) & (ya == 1)))
        score = (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp) if tp else 0.0
        if score > best[0] + 1e-9:
            best = (score, round(float(th), 2))
    return best[1]


def _scale_terms(X, dense: int, scale: float):
    """X with its last `dense` columns (the term features) multiplied by scale."""
    from scipy import sparse

    factors = np.ones(X.shape[1])
    factors[-dense:] = scale
    return (X @ sparse.diags(factors)).tocsr()


def _fit_primary(X, docs: list[Document], themes: list[str], params: TrainParams, W: np.ndarray, bias: np.ndarray) -> None:
    n = len(themes)
    idx = [i for i, d in enumerate(docs) if d.relevant and d.primary in themes]
    bias[1 + n :] = -10.0  # a theme never seen as primary stays far behind
    labels = sorted({docs[i].primary for i in idx})
    if len(labels) < 2:
        if labels:
            bias[1 + n + themes.index(labels[0])] = 0.0
        return
    clf = _logistic(params.c_primary, multinomial=True).fit(
        X[idx], [docs[i].primary for i in idx], sample_weight=[docs[i].weight for i in idx])
    coef, intercept = clf.coef_, clf.intercept_
    if len(clf.classes_) == 2:  # binary: one row for the second class
        coef, intercept = np.vstack([-coef[0] / 2, coef[0] / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
    for row, label in enumerate(clf.classes_):
        col = 1 + n + themes.index(label)
        W[:, col], bias[col] = coef[row], intercept[row]
    for theme, offset in params.primary_offsets:
        if theme in clf.classes_:
            bias[1 + n + themes.index(theme)] += offset


def _model(design: _Design, W: np.ndarray, bias: np.ndarray, themes: list[str], prep: Prepared, params: TrainParams,
           calibration: tuple[float, float], thresholds: dict[str, float], extra_meta: dict) -> Model:
    nb, nt = len(design.body_vocab), len(design.title_vocab)
    langs: dict[str, int] = {}
    for d in prep.docs:
        langs[d.lang or "?"] = langs.get(d.lang or "?", 0) + 1
    arrays = {
        "body_vocab": design.body_vocab, "body_idf": design.body_idf, "body_w": W[:nb].astype(np.float32),
        "title_vocab": design.title_vocab, "title_idf": design.title_idf, "title_w": W[nb : nb + nt].astype(np.float32),
        "term_mean": design.term_mean, "term_scale": design.term_scale,
        "term_w": W[nb + nt :].astype(np.float32), "bias": bias.astype(np.float32),
    }
    meta = {
        "format": MODEL_FORMAT, "themes": list(themes), "term_features": list(term_feature_names(tuple(themes))),
        "languages": sorted(lang for lang, n in langs.items() if n >= params.min_language_docs and lang != "?"),
        "training_languages": langs, "title_scale": params.title_scale,
        "relevance_calibration": list(calibration),
        "presence_thresholds": thresholds,
        "params": asdict(params), "documents": len(prep.docs),
        "taxonomy_digest": hashlib.sha1(repr((prep.themes,)).encode()).hexdigest()[:8],
    }
    meta.update(extra_meta)
    return Model(arrays, meta)


def train_model(documents: Iterable[Document], taxonomy: Taxonomy, corrections: Iterable[Correction] = (),
                params: TrainParams = TrainParams(), meta: dict | None = None) -> Model:
    """A model trained on labelled documents plus analysts' corrections (which override the
    labels of a document with the same id, or are added as documents of their own)."""
    docs = with_corrections(documents, corrections)
    return fit(prepare(docs, taxonomy), params, taxonomy, meta)


def group_folds(docs: Sequence[Document], folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds that keep each story whole, assigned by a hash of the story id (deterministic)."""
    stories = sorted({d.story or d.id for d in docs})
    if len(stories) < 2:
        return []
    folds = min(folds, len(stories))
    order = sorted(stories, key=lambda s: hashlib.sha1(s.encode()).hexdigest())
    fold_of = {s: i % folds for i, s in enumerate(order)}
    assign = np.array([fold_of[d.story or d.id] for d in docs])
    return [(np.flatnonzero(assign != f), np.flatnonzero(assign == f)) for f in range(folds)]


def predict_prepared(model: Model, prep: Prepared) -> list[Prediction]:
    """Predictions for prepared documents (the same arithmetic as Model.predict)."""
    cols = _term_columns(prep.themes, model.themes)
    out = []
    for i in range(len(prep.docs)):
        a = model.arrays
        z = a["bias"].astype(np.float64)
        for hs, vocab, idf, w, scale in ((prep.body[i], a["body_vocab"], a["body_idf"], a["body_w"], 1.0),
                                         (prep.title[i], a["title_vocab"], a["title_idf"], a["title_w"], model.title_scale)):
            rows, vals = block(hs, vocab, idf)
            if len(rows):
                z = z + scale * (vals @ w[rows])
        z = z + ((prep.terms[i][cols] - a["term_mean"]) / a["term_scale"]) @ a["term_w"]
        out.append(model.from_logits(z))
    return out


def cross_validate(prep: Prepared, params: TrainParams, taxonomy: Taxonomy, folds: int = 5) -> list[Prediction | None]:
    """Out-of-fold predictions for every prepared document (folds by story)."""
    out: list[Prediction | None] = [None] * len(prep.docs)
    for tr, te in group_folds(prep.docs, folds):
        model = fit(prep.subset(tr), params, taxonomy)
        for i, p in zip(te, predict_prepared(model, prep.subset(te))):
            out[i] = p
    return out
