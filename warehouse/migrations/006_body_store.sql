-- Raw bodies move out of DuckDB into the body store (files beside the warehouse, named by the
-- body's sha256): every transaction that appended bodies to raw_pages made DuckDB rewrite the
-- table's last block of bodies at checkpoint (CPU and a memory spike growing with the pages
-- stored). body_file: this row's body is in the store under sha256. Rows written before keep
-- their body inline in `body`.
ALTER TABLE raw_pages ADD COLUMN body_file BOOLEAN DEFAULT FALSE;
