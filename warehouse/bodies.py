"""Raw response bodies as files beside the warehouse: ``<warehouse file>.bodies/ab/<sha256>.zz``.

DuckDB is a poor home for large blobs that arrive a batch at a time: each transaction that
appends them makes it rewrite the table's last block of bodies when it checkpoints (measured:
~0.4 s of CPU and 100-400 MB of transient memory per transaction once a few thousand pages
are stored). Here a body is written once, as a file named by the sha256 of the body as
fetched (identical bodies share a file), holding it compressed (`codec`).

A file is written (to a temporary name, then renamed) before the transaction that records it
commits, so a committed `raw_pages` row always finds its body; a run killed in between leaves
at most an unreferenced file, which the same body fetched again reuses.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from .errors import DiskFull, is_disk_full

_SHA256 = re.compile(r"[0-9a-f]{64}")


class BodyStore:
    def __init__(self, root: Path):
        self.root = root

    @classmethod
    def beside(cls, db_path: Path) -> BodyStore:
        return cls(db_path.with_name(db_path.name + ".bodies"))

    def _path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256 or ""):
            raise ValueError(f"not a sha256 digest: {sha256!r}")
        return self.root / sha256[:2] / f"{sha256}.zz"

    def put(self, sha256: str, data: bytes) -> None:
        """Write a body (once: an existing file is kept). A full disk raises `DiskFull` and
        leaves no partial or temporary file behind."""
        path = self._path(sha256)
        if path.exists():
            return
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError as err:
            tmp.unlink(missing_ok=True)
            if is_disk_full(err):
                raise DiskFull(self.root, err.strerror or "") from None
            raise

    def get(self, sha256: str) -> bytes | None:
        try:
            return self._path(sha256).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def discard(self, digests: Iterable[str]) -> int:
        gone = 0
        for sha256 in digests:
            try:
                self._path(sha256).unlink()
                gone += 1
            except (FileNotFoundError, ValueError):
                pass
        return gone
