"""Errors raised by the pure extractors.

    ExtractorError
    ├── SourcesError      the sources file is unusable (message: one line naming file, entry, problem)
    ├── FeedError         bytes that are not a feed at all
    ├── SitemapError      bytes that are not a usable sitemap
    └── ExtractionError   a page that yields no article
        └── NotAnArticle  parsed fine, but there is no article body in it

All of them are terminal for the input that raised them: retrying the same bytes gives the
same answer. The flows record them in `failures` and go on.
"""


class ExtractorError(Exception):
    """Base class of every error raised in extractors/."""


class SourcesError(ExtractorError):
    """The sources file cannot be used; str(err) is a single line for the user."""


class FeedError(ExtractorError):
    """The bytes could not be read as RSS, Atom or RDF at all."""


class SitemapError(ExtractorError):
    """The bytes are not a usable sitemap; str(err) is one line."""


class ExtractionError(ExtractorError):
    """A fetched page could not be turned into an article."""


class NotAnArticle(ExtractionError):
    """The page parsed, but holds no article body (too little text)."""
