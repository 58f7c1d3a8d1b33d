"""Errors of the warehouse package.

    WarehouseError
    ├── WarehouseLocked      another process holds the file past the wait deadline
    ├── NotAWarehouse        the file exists but is not a DuckDB database (or is corrupt)
    ├── MigrationError       a migration failed; the database is left at the previous version
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
