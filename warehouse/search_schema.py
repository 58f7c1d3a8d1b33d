"""The full-text index's schema and text analysis, shared by the writer and the reader.

One tantivy index (docs/search.md says why tantivy). Each article goes into the fields of its
language's *group*: ``title_<g>`` and ``body_<g>``, analysed by that group's analyzer, so that
every language is stemmed by its own Snowball stemmer and BM25 counts its own statistics:

- ``en de fr es it pt nl ru sv``: words lower-cased, stemmed, then folded to ASCII (so that
  ``exportacion`` finds ``exportación``);
- ``cjk`` (zh, ja, ko): every Han, kana or Hangul character is a token of its own (positions
  kept), words of other scripts as elsewhere (English-stemmed: Latin names inside Chinese
  text). Unsegmented text needs no segmenter: a query's run of CJK characters becomes its
  overlapping character bigrams, each a two-character phrase (search_query.py), which ranks
  like the CJK bigram indexing of Lucene's CJKAnalyzer without storing bigrams;
- ``other``: every other or unknown language, lower-cased and ASCII-folded, not stemmed.

Every analyzer splits CJK characters off the same way, so a CJK name inside an English article
is found too. The regular expression is written with explicit ranges, the same as CJK_RANGES,
which the query side uses in Python.
"""

from __future__ import annotations

SCHEMA_VERSION = 1  # change it with the schema or the analyzers: every index is rebuilt

STEMMED = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian",
           "pt": "portuguese", "nl": "dutch", "ru": "russian", "sv": "swedish"}
CJK_LANGUAGES = {"zh", "ja", "ko"}
GROUPS = tuple(STEMMED) + ("cjk", "other")

# Han (incl. extension A, compatibility, supplementary planes), kana (incl. the prolonged
# sound mark and half-width forms), Hangul syllables and jamo
CJK_RANGES = ("\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
              "\uff66-\uff9f\uac00-\ud7af\u1100-\u11ff\u3130-\u318f\U00020000-\U0002ffff")
_RUST_CJK = (r"\x{3040}-\x{30ff}\x{31f0}-\x{31ff}\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}\x{f900}-\x{faff}"
             r"\x{ff66}-\x{ff9f}\x{ac00}-\x{d7af}\x{1100}-\x{11ff}\x{3130}-\x{318f}\x{20000}-\x{2ffff}")
# one CJK character, or a run of letters, digits and marks of other scripts
TOKEN_PATTERN = rf"[{_RUST_CJK}]|[[\p{{L}}\p{{N}}\p{{M}}]--[{_RUST_CJK}]]+"
MAX_TOKEN = 40  # longer tokens (base64, URLs) are dropped


def group_of(language: str | None) -> str:
    """The field group an article of ``language`` (ISO 639-1) is indexed in."""
    lang = (language or "").lower()[:2]
    if lang in STEMMED:
        return lang
    return "cjk" if lang in CJK_LANGUAGES else "other"


def analyzer(group: str):
    """The tantivy analyzer of a group (a new object each call: an index registers its own)."""
    from tantivy import Filter, TextAnalyzerBuilder, Tokenizer

    builder = TextAnalyzerBuilder(Tokenizer.regex(TOKEN_PATTERN)).filter(Filter.remove_long(MAX_TOKEN))
    builder = builder.filter(Filter.lowercase())
    stem = STEMMED.get(group) or ("english" if group == "cjk" else None)
    if stem:
        builder = builder.filter(Filter.stemmer(stem))
    return builder.filter(Filter.ascii_fold()).build()


def tokenizer_name(group: str) -> str:
    return f"chipwire_{group}_v{SCHEMA_VERSION}"


def build_schema():
    """The index's fields: the article's id, language, source, URL, date and themes (stored,
    for the hit list and the filters) and the two text fields of each group."""
    from tantivy import SchemaBuilder

    sb = SchemaBuilder()
    sb.add_text_field("article_id", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("lang", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("theme", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("source", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("url", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_date_field("date", stored=True, indexed=True, fast=True)
    for group in GROUPS:
        sb.add_text_field(f"title_{group}", stored=True, tokenizer_name=tokenizer_name(group))
        sb.add_text_field(f"body_{group}", stored=True, tokenizer_name=tokenizer_name(group))
    return sb.build()


def register(index) -> None:
    """Register the groups' analyzers on an opened index (tantivy keeps them per Index object)."""
    for group in GROUPS:
        index.register_tokenizer(tokenizer_name(group), analyzer(group))
