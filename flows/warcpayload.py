"""A WARC response's payload: undoing transfer and content codings, and telling HTML from
the rest when the Content-Type does not say. Bytes in, bytes out (or `Skip`), so `flows.warc`
keeps to reading records."""

from __future__ import annotations

import re
import zlib


class Skip(Exception):
    """A record left out, with the reason it is counted under (`flows.warc.SKIP_REASONS`)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sniff_html(body: bytes) -> bool:
    """Whether a payload without a usable Content-Type is HTML (WHATWG mimesniff, simplified)."""
    head = body[:1024].lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c").lower()
    if head.startswith(b"<?xml"):
        return b"http://www.w3.org/1999/xhtml" in body[:4096].lower() and b"<html" in body[:4096].lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe",
                            b"<h1", b"<div", b"<font", b"<table", b"<a ", b"<style", b"<title", b"<b ",
                            b"<br", b"<p>", b"<p ", b"<!--"))


def decode(payload: bytes, encodings: list[str], cap: int) -> bytes:
    """Undo Content-Encoding. A payload that is not actually encoded (a crawler that stored the
    decoded body but kept the header) is taken as it is."""
    for coding in reversed(encodings):
        if coding in ("", "identity", "none"):
            continue
        if coding in ("gzip", "x-gzip"):
            wbits_options = (16 + zlib.MAX_WBITS,)
        elif coding == "deflate":
            wbits_options = (zlib.MAX_WBITS, -zlib.MAX_WBITS)
        else:
            raise Skip("unparseable")  # br, zstd, compress: not available here
        for wbits in wbits_options:
            d = zlib.decompressobj(wbits)
            try:
                out = d.decompress(payload, cap + 1)
            except zlib.error:
                continue
            if len(out) > cap:
                raise Skip("too_large")
            if not d.eof:
                raise Skip("truncated")
            payload = out
            break
        else:
            if coding in ("gzip", "x-gzip") and payload[:2] == b"\x1f\x8b":
                raise Skip("truncated")  # it is gzip, but broken
            # not encoded after all: keep as is
    return payload


def dechunk(data: bytes) -> bytes:
    """Undo chunked transfer coding. Data that does not start as chunks is taken as it is (a
    crawler that stored the de-chunked body but kept the header); chunks that stop before the
    terminating zero-length chunk are a truncated capture."""
    out, pos = [], 0
    while True:
        nl = data.find(b"\n", pos)
        line = data[pos:nl if nl >= 0 else len(data)].split(b";", 1)[0].strip()
        if not re.fullmatch(rb"[0-9A-Fa-f]{1,8}", line):
            if pos == 0:
                return data
            raise Skip("truncated")
        size = int(line, 16)
        if size == 0:
            return b"".join(out)
        start = nl + 1
        chunk = data[start:start + size]
        if nl < 0 or len(chunk) < size:
            raise Skip("truncated")
        out.append(chunk)
        pos = start + size
        if data[pos:pos + 2] == b"\r\n":
            pos += 2
        elif data[pos:pos + 1] == b"\n":
            pos += 1
