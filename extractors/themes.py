"""Theme scoring: weighted vocabulary evidence per theme, with an evidence sentence.

The analysis of one article (:class:`Analysis`) is shared with relevance scoring: the text is
matched once against every term of the taxonomy for its language, and each hit is filed under
the buckets (themes, relevance groups) its term belongs to.

Evidence of a theme = sum over its hits of weight x position factor x repeat factor, where
the position factor is ``title_weight`` in the title, ``lead_weight`` in the first
``lead_sentences`` sentences, else 1, and the n-th hit of the same term counts
``n ** -repeat_decay``. Longer articles are normalised by ``sqrt(words / length_norm_words)``.
score = 1 - exp(-evidence / saturation). A theme is assigned when its score reaches
``min_score`` (or the theme's own ``min_score``), its evidence reaches ``relative_floor``
times the top theme's, and its hits fall in at least ``min_sentences`` sentences (a passing
mention is one sentence; a theme the article is about recurs) and ``min_terms`` distinct
terms (a passing mention uses one or two words of a theme; a theme an article covers, more).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from .taxonomy import Hit, Lexicon, Taxonomy, has_cjk, resolve_overlaps, split_sentences, word_count

MAX_EVIDENCE_CHARS = 400


@dataclass(frozen=True)
class ThemeHit:
    theme: str
    score: float  # in (0, 1]: how central the theme is to the article; the highest is the primary
    evidence: str  # a sentence of the article (or its title) supporting the theme
    probability: float | None = None  # the model's probability that the theme is present (None: from terms)


@dataclass
class Analysis:
    title: str
    text: str
    language: str | None
    sentences: list[tuple[int, int]]
    words: int
    # bucket -> list of (sentence index or -1 for the title, term index, weight)
    bucket_hits: dict[str, list[tuple[int, int, float]]] = field(default_factory=dict)

    def sentence(self, idx: int) -> str:
        if idx < 0:
            return self.title
        s, e = self.sentences[idx]
        out = self.text[s:e]
        if len(out) > MAX_EVIDENCE_CHARS:
            out = out[: MAX_EVIDENCE_CHARS - 1].rstrip() + "\u2026"
        return out


def analyse(title: str, text: str, language: str | None, taxonomy: Taxonomy) -> Analysis:
    lang = (language or "").lower().split("-")[0].split("_")[0] or None
    if lang not in taxonomy.languages():
        # unknown or missing language: Chinese script decides, otherwise every vocabulary
        sample = (title + " " + text[:2000])
        if has_cjk(sample) and "zh" in taxonomy.languages():
            cjk_share = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff") / max(1, len(sample))
            lang = "zh" if cjk_share > 0.2 else None
        else:
            lang = None
    lexicon: Lexicon = taxonomy.lexicon(lang)
    sentences = split_sentences(text)
    starts = [s for s, _ in sentences]
    analysis = Analysis(title, text, lang, sentences, word_count(text))
    for part, hits in (("title", lexicon.matcher.find(title)), ("text", lexicon.matcher.find(text))):
        per_bucket: dict[str, list[Hit]] = {}
        for h in hits:
            for bucket, _w in lexicon.buckets[h.term]:
                per_bucket.setdefault(bucket, []).append(h)
        for bucket, bhits in per_bucket.items():
            weights = dict(((h.term, w) for h in bhits for b, w in lexicon.buckets[h.term] if b == bucket))
            out = analysis.bucket_hits.setdefault(bucket, [])
            for h in resolve_overlaps(bhits):
                if part == "title":
                    idx = -1
                else:
                    idx = max(0, bisect.bisect_right(starts, h.start) - 1)
                out.append((idx, h.term, weights[h.term]))
    return analysis


def bucket_evidence(analysis: Analysis, bucket: str, taxonomy: Taxonomy) -> tuple[float, dict[int, float]]:
    """(normalised evidence, per-sentence positive weight) of one bucket. Use distinct_terms()
    for the number of different terms behind it."""
    st = taxonomy.settings
    seen: dict[int, int] = {}
    title_terms: set[int] = set()
    total = 0.0
    per_sentence: dict[int, float] = {}
    for idx, term, weight in analysis.bucket_hits.get(bucket, ()):
        if idx < 0:
            if term in title_terms:
                continue
            title_terms.add(term)
            total += weight * st.title_weight
        else:
            n = seen.get(term, 0) + 1
            seen[term] = n
            factor = st.lead_weight if idx < st.lead_sentences else 1.0
            total += weight * factor * n ** (-st.repeat_decay)
        if weight > 0:
            per_sentence[idx] = per_sentence.get(idx, 0.0) + weight
    norm = math.sqrt(max(1.0, analysis.words / st.length_norm_words))
    return total / norm, per_sentence


def distinct_terms(analysis: Analysis, bucket: str) -> int:
    return len({term for _idx, term, weight in analysis.bucket_hits.get(bucket, ()) if weight > 0})


def score_themes(analysis: Analysis, taxonomy: Taxonomy) -> list[tuple[str, float, float, str, int]]:
    """Every theme with positive evidence: (theme id, evidence, score, evidence sentence,
    number of sentences with a hit (the title counting as one), number of distinct terms)."""
    st = taxonomy.settings
    out = []
    for theme in taxonomy.themes:
        ev, per_sentence = bucket_evidence(analysis, f"theme:{theme.id}", taxonomy)
        if ev <= 0:
            continue
        body = {i: w for i, w in per_sentence.items() if i >= 0}
        pool = body or per_sentence
        best = min(pool, key=lambda i: (-pool[i], i)) if pool else -1
        score = 1.0 - math.exp(-ev / st.saturation)
        out.append((theme.id, ev, score, analysis.sentence(best), len(per_sentence), distinct_terms(analysis, f"theme:{theme.id}")))
    out.sort(key=lambda r: (-r[1], r[0]))
    return out


def assign_themes(analysis: Analysis, taxonomy: Taxonomy, *, force_one: bool = True) -> tuple[ThemeHit, ...]:
    """The themes present, highest score first (the first is the primary theme)."""
    st = taxonomy.settings
    scored = score_themes(analysis, taxonomy)
    if not scored:
        return ()
    top_ev = scored[0][1]
    hits = []
    for tid, ev, score, evidence, nsent, nterms in scored:
        theme = taxonomy.theme(tid)
        floor = theme.min_score if theme.min_score is not None else st.min_score
        if score >= floor and ev >= st.relative_floor * top_ev and nsent >= st.min_sentences and nterms >= st.min_terms:
            hits.append(ThemeHit(tid, round(min(1.0, max(score, 1e-6)), 4), evidence))
    if not hits and force_one:
        tid, ev, score, evidence, _, _ = scored[0]
        hits.append(ThemeHit(tid, round(min(1.0, max(score, 1e-6)), 4), evidence))
    return tuple(hits)
