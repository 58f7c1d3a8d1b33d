-- Articles signed before migration 005 have a signature but no LSH band keys, so a new copy of
-- their story could never find them (clustering's candidate search joins on the stored keys).
-- Their keys, derived from the stored signatures exactly as `extractors.dedup.band_keys` does:
-- band b's key packs the signature's values 2b and 2b + 1 (0-based) into one 64-bit integer.
-- Articles that have their keys, and signatures too short to compare, are left as they are.
INSERT INTO article_bands
SELECT t.band, (s.signature[2 * t.band + 1]::UBIGINT << 32) | s.signature[2 * t.band + 2]::UBIGINT, s.article_id
FROM article_signatures s, range(128) t(band)
WHERE len(s.signature) >= 256
  AND s.article_id NOT IN (SELECT DISTINCT article_id FROM article_bands);
