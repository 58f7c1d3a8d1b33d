-- Cleaning: keep the page-level-cleaned body beside the final text, so site cleaning can run
-- again offline, and the line fingerprints from which each site's furniture is learnt.

ALTER TABLE articles ADD COLUMN extracted_text VARCHAR;
ALTER TABLE articles ADD COLUMN site VARCHAR;
ALTER TABLE articles ADD COLUMN cleaner_version VARCHAR;

-- one row per distinct line of each stored article (fingerprint of the normalised line)
CREATE TABLE site_lines (
    site        VARCHAR NOT NULL,
    article_id  VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    prose       BOOLEAN NOT NULL,
    PRIMARY KEY (site, article_id, fingerprint)
);

-- what was learnt: a site's recurring furniture lines, for people to inspect
CREATE TABLE site_furniture (
    site        VARCHAR NOT NULL,
    line        VARCHAR NOT NULL,
    pages       INTEGER NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (site, line)
);

ALTER TABLE runs ADD COLUMN files_stored INTEGER DEFAULT 0;
ALTER TABLE runs ADD COLUMN articles_recleaned INTEGER DEFAULT 0;
