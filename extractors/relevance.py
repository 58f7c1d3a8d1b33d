"""Relevance: is the chip-export topic what an article is about?

Shared vocabulary is the trap: a gaming-GPU review says "Nvidia" and "chip", a tariff story
says "China" and "export", a fab story says "Commerce Department". So relevance is not a
count of topic words but of *on-topic sentences*: a sentence counts when it has a core term
(``export controls``, ``Entity List``, ``H20``, ``出口管制`` ...) or terms of two of the three
groups chip / china / control (a sentence with an off-topic term needs a chip term among
them: "China raised tariffs on soybeans" is not on topic). Off-topic families (reviews, phones, farm and car tariffs,
crypto mining, fab construction, market wraps) count against.

    z = bias + core * ln(1 + core evidence) + topic * (on-topic sentences / sentences)
        + topic_count * ln(1 + on-topic sentences) + title * (title on topic)
        - offtopic * ln(1 + off-topic evidence)
    relevance = 1 / (1 + exp(-z));  is_relevant = relevance >= threshold

The weights and every term live in the taxonomy file's [relevance] table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .taxonomy import Taxonomy
from .themes import Analysis, bucket_evidence


@dataclass(frozen=True)
class RelevanceFeatures:
    core: float
    topic_share: float
    topic_count: int
    title_on_topic: bool
    offtopic: float
    sentences: int


def relevance_features(analysis: Analysis, taxonomy: Taxonomy) -> RelevanceFeatures:
    flags: dict[int, set[str]] = {}
    for group in ("core", "chip", "china", "control", "offtopic"):
        for idx, _term, weight in analysis.bucket_hits.get(f"rel:{group}", ()):
            if weight > 0:
                flags.setdefault(idx, set()).add(group)

    def on_topic(groups: set[str]) -> bool:
        if "core" in groups:
            return True
        if "offtopic" in groups and "chip" not in groups:
            return False  # "China imposed tariffs on soybeans" is not about chips
        return len(groups & {"chip", "china", "control"}) >= 2

    n = len(analysis.sentences)
    topic = sum(1 for idx, g in flags.items() if idx >= 0 and on_topic(g))
    core, _ = bucket_evidence(analysis, "rel:core", taxonomy)
    off, _ = bucket_evidence(analysis, "rel:offtopic", taxonomy)
    return RelevanceFeatures(
        core=max(0.0, core),
        topic_share=topic / n if n else 0.0,
        topic_count=topic,
        title_on_topic=on_topic(flags.get(-1, set())),
        offtopic=max(0.0, off),
        sentences=n,
    )


def relevance_score(features: RelevanceFeatures, taxonomy: Taxonomy) -> float:
    w = taxonomy.relevance.weights
    z = (
        w["bias"]
        + w["core"] * math.log1p(features.core)
        + w["topic"] * features.topic_share
        + w["topic_count"] * math.log1p(features.topic_count)
        + w["title"] * (1.0 if features.title_on_topic else 0.0)
        - w["offtopic"] * math.log1p(features.offtopic)
    )
    z = max(-30.0, min(30.0, z))
    return 1.0 / (1.0 + math.exp(-z))


def score_relevance(analysis: Analysis, taxonomy: Taxonomy) -> tuple[float, bool]:
    score = relevance_score(relevance_features(analysis, taxonomy), taxonomy)
    return score, score >= taxonomy.relevance.threshold
