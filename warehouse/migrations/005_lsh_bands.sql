-- A persistent LSH index over the MinHash signatures: candidate copies of a new article are
-- found by joining on (band, key), so clustering never loads every stored signature.
CREATE TABLE article_bands (
    band       SMALLINT NOT NULL,
    key        UBIGINT NOT NULL,
    article_id VARCHAR NOT NULL
);
