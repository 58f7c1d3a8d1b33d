"""Line shapes the furniture families are written in: word counts (CJK two characters to a
word), a line as a label, sentence ends, headline and list-item shapes."""

from __future__ import annotations

import functools
import re
import unicodedata

WORD = re.compile(r"\w+")
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"  # kana, Han, Hangul: a character class
CJK = re.compile(f"[{CJK_CHARS}]")
QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"',
                         "«": '"', "»": '"', "\u00a0": " ", "\u2009": " ", "\u202f": " "})
EDGE_PUNCT = " \t-–—•·*|:>»›‹«<…./\\#_~=+[](){}\"'!¡?¿,;"
ABBREV_END = re.compile(r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Inc|Corp|Ltd|Co|Jr|Sr|St|Dr|Mr|Mrs|Ms|Bros|etc)\.)$")
BULLET = re.compile(r"^(?:[-–—•·▪‣◦*►▶✓✔→]\s*|\d{1,2}[.)]\s+)")
SENT_END = re.compile(r"[.!?。！？…]['\"’”)\]»]*$")


# The cleaner looks at each line many times (every family, every pass): the pure per-line
# helpers are memoised (bounded), which halves the cleaner's time on long pages.
@functools.lru_cache(maxsize=16384)
def has_cjk(line: str) -> bool:
    return CJK.search(line) is not None


@functools.lru_cache(maxsize=16384)
def nwords(line: str) -> int:
    cjk = len(CJK.findall(line))
    if not cjk:
        return len(WORD.findall(line))
    return len(WORD.findall(CJK.sub(" ", line))) + (cjk + 1) // 2


@functools.lru_cache(maxsize=16384)
def key(line: str) -> str:
    """A line as a label: lower case, straight quotes, one space, no edge punctuation."""
    s = unicodedata.normalize("NFKC", line).translate(QUOTES).lower()
    s = re.sub(r"\s+", " ", s)
    return s.strip(EDGE_PUNCT)


@functools.lru_cache(maxsize=16384)
def tokens(line: str) -> tuple[str, ...]:
    return tuple(WORD.findall(unicodedata.normalize("NFKC", line).translate(QUOTES).lower()))


def ends_sentence(line: str) -> bool:
    s = line.rstrip()
    return bool(SENT_END.search(s)) and not ABBREV_END.search(s.rstrip("'\"’”)]»"))


def ends_with_period(line: str) -> bool:
    """A finished statement ("The rule takes effect on Friday." / "... said."”), not "Sorry!"."""
    s = line.rstrip().rstrip("'\"’”)]»")
    return s.endswith((".", "。")) and not s.endswith("...") and not ABBREV_END.search(s)


def headline_like(line: str, max_words: int = 22) -> bool:
    """A headline or a link text: short, and not a finished sentence (questions allowed)."""
    s = BULLET.sub("", line.strip()).rstrip(" |")
    n = nwords(s)
    if not 1 <= n <= max_words:
        return False
    if re.search(r"\[[^\]]{2,20}\]$", s):  # "Headline [VIDEO]"
        return True
    if s.endswith(("?", "!")):
        return n <= 16
    return not ends_sentence(s) and not s.endswith((":", ";", ","))


def list_item(line: str) -> bool:
    return bool(BULLET.match(line.strip()))


def full(pattern: str) -> re.Pattern[str]:
    return re.compile(r"(?:" + pattern + r")", re.I | re.X)


def is_(rx: re.Pattern[str], line: str) -> bool:
    return bool(rx.fullmatch(key(line)))

