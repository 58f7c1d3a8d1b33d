"""URL lists for ``chipwire backfill --urls FILE``: text -> URLs. Pure (the caller reads the file).

Format: one absolute http(s) URL a line. Blank lines and lines starting with ``#`` are
skipped; so is a trailing comment after whitespace (``https://a.example/x  # why``: a URL
holds no whitespace, so this cannot cut one; a ``#`` inside the URL is its fragment). Leading
and trailing whitespace and a byte-order mark are stripped. A URL given twice (the same
string) is kept once, at its first place. Anything else on a line is an error naming the file
and line: ``urls.txt:7: not an http(s) URL: 'ftp://x'``.
"""

from __future__ import annotations

import re

from .errors import ExtractorError
from .urls import is_http_url

_TRAILING_COMMENT = re.compile(r"\s+#.*$")
_LINES = re.compile(r"\r\n|\r|\n")  # the line numbers an editor shows (not str.splitlines)


class UrlListError(ExtractorError, ValueError):
    """A line of a URL list that is not an absolute http(s) URL; str(err) is one line."""

    def __init__(self, path: str, line: int, problem: str):
        super().__init__(f"{path}:{line}: {problem}")
        self.path, self.line, self.problem = path, line, problem


def parse_url_list(text: str, path: str) -> tuple[str, ...]:
    """The URLs of ``text`` (the contents of the file ``path``), in order, without duplicates."""
    urls: dict[str, None] = {}
    for number, raw in enumerate(_LINES.split(text.lstrip("\ufeff")), start=1):
        line = _TRAILING_COMMENT.sub("", raw).strip()
        if not line or line.startswith("#"):
            continue
        shown = line if len(line) <= 200 else line[:200] + "..."
        if any(c.isspace() for c in line) or not is_http_url(line):
            raise UrlListError(path, number, f"not an http(s) URL: {shown!r}")
        urls.setdefault(line, None)
    return tuple(urls)


__all__ = ["UrlListError", "parse_url_list"]
