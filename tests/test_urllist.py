"""extractors.urllist: `backfill --urls FILE`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.errors import ExtractorError
from extractors.urllist import UrlListError, parse_url_list


def test_urls_comments_blanks_duplicates():
    text = (
        "\ufeff# chip export stories\n"
        "https://news.example.com/a\n"
        "\n"
        "   https://news.example.com/b   \n"
        "\t# indented comment\n"
        "https://news.example.com/a\n"
        "http://other.example.org/c?x=1#section   # why this one\n"
        "https://news.example.com/b\r\n"
    )
    assert parse_url_list(text, "urls.txt") == (
        "https://news.example.com/a",
        "https://news.example.com/b",
        "http://other.example.org/c?x=1#section",
    )


def test_empty_file():
    assert parse_url_list("", "urls.txt") == ()
    assert parse_url_list("# nothing yet\n\n", "urls.txt") == ()


@pytest.mark.parametrize("line", [
    "ftp://x",
    "news.example.com/a",
    "/relative/path",
    "https://",
    "https://a.example/with space",
    "mailto:someone@example.com",
    "https://a.example:99999/",
    "javascript:alert(1)",
])
def test_bad_line_names_file_and_line(line):
    text = "# header\nhttps://a.example/1\n\n" + line + "\nhttps://a.example/2\n"
    with pytest.raises(UrlListError) as info:
        parse_url_list(text, "lists/urls.txt")
    err = info.value
    assert str(err) == f"lists/urls.txt:4: not an http(s) URL: {line!r}"
    assert (err.path, err.line) == ("lists/urls.txt", 4)
    assert isinstance(err, ValueError) and isinstance(err, ExtractorError)


def test_example_from_the_brief():
    text = "\n".join(["https://a.example/%d" % i for i in range(6)] + ["ftp://x"])
    with pytest.raises(ValueError, match=r"^urls\.txt:7: not an http\(s\) URL: 'ftp://x'$"):
        parse_url_list(text, "urls.txt")


def test_line_numbers_count_only_line_breaks():
    # a form feed or a Unicode line separator is not a new line in an editor
    text = "https://a.example/1\r\nhttps://a.example/2\rhttps://a.example/3\n\x0c\nbad"
    with pytest.raises(UrlListError, match=r"^u:5: "):
        parse_url_list(text, "u")


def test_long_line_is_shortened_in_the_message():
    with pytest.raises(UrlListError) as info:
        parse_url_list("x" * 5000, "u")
    assert len(str(info.value)) < 300 and "\n" not in str(info.value)


@given(st.lists(st.sampled_from([
    "https://a.example/1", "https://a.example/2", "http://b.example/x?y=1", "", "   ", "# c", "https://a.example/1  # again",
])))
def test_order_kept_and_no_duplicates(lines):
    got = parse_url_list("\n".join(lines), "u")
    assert len(got) == len(set(got))
    expected = []
    for line in lines:
        url = line.split("  #")[0].strip()
        if url and not url.startswith("#") and url not in expected:
            expected.append(url)
    assert list(got) == expected


@given(st.text(max_size=200))
def test_only_url_list_errors(text):
    try:
        urls = parse_url_list(text, "u")
    except UrlListError as err:
        assert str(err).startswith("u:") and "\n" not in str(err)
    else:
        assert all(u.lower().startswith(("http://", "https://")) for u in urls)
