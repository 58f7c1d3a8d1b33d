"""Errors of the warehouse package.

    WarehouseError
    ├── WarehouseLocked      another process holds the file past the wait deadline
    ├── NotAWarehouse        the file exists but is not a DuckDB database (or is corrupt)
    ├── MigrationError       a migration failed; the database is left at the previous version
    ├── DiskFull             no space left where the warehouse or its body store writes (what was
    │                        committed before is kept; the same command carries on once there is room)
    ├── ReadOnlyViolation    `query` was given a statement that would write (to the warehouse or
    │                        any other file), read another file, or change a setting
    ├── QueryError           `query` was given SQL that does not parse or fails as it runs
    └── SearchIndexError     the search index beside the warehouse is missing or unreadable
        ├── SearchIndexBusy  another process writes the search index past the wait deadline
        └── SearchQueryError `search` was given a query or filter it cannot use
"""


class WarehouseError(Exception):
    """Base of every warehouse error; str(err) is one line for the user."""


class WarehouseLocked(WarehouseError):
    pass


class NotAWarehouse(WarehouseError):
    pass


class MigrationError(WarehouseError):
    pass


class DiskFull(WarehouseError):
    def __init__(self, where, detail: str = ""):
        super().__init__(f"disk full at {where}{f' ({detail})' if detail else ''}: free some space and run the "
                         "same command again (what was stored before is kept)")
        self.where = where


NO_SPACE = (28, 122, 27)  # ENOSPC, EDQUOT, EFBIG


def is_disk_full(err: BaseException) -> bool:
    """Whether ``err`` (an OSError, or DuckDB's error text) says the disk or quota is full."""
    if isinstance(err, OSError) and err.errno in NO_SPACE:
        return True
    text = str(err).lower()
    return any(words in text for words in ("no space left on device", "disk quota exceeded", "file too large",
                                           "database or disk is full"))


class ReadOnlyViolation(WarehouseError):
    pass


class QueryError(WarehouseError):
    pass


class SearchIndexError(WarehouseError):
    pass


class SearchIndexBusy(SearchIndexError):
    pass


class SearchQueryError(SearchIndexError):
    pass
