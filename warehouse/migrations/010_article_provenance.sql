-- Where each article's facts came from ("Clean text on the real web"): which source gave its
-- publication date, the outlet's name as the page declares it, and how its body was obtained;
-- and the source name a user declares for a folder of saved files (backfill --dir --source).

ALTER TABLE articles ADD COLUMN published_at_source VARCHAR;
ALTER TABLE articles ADD COLUMN site_name VARCHAR;
ALTER TABLE articles ADD COLUMN body_source VARCHAR;
ALTER TABLE frontier ADD COLUMN source_name VARCHAR;

COMMENT ON COLUMN articles.published_at_source IS 'What gave published_at: json-ld (structured data), meta (publication meta tags), byline (a date written on the page), url (a date in the address), feed (the feed entry), file (a saved file''s date)';
COMMENT ON COLUMN articles.site_name IS 'The outlet''s name as the page declares it (og:site_name, the JSON-LD publisher); NULL when it declares none';
COMMENT ON COLUMN articles.body_source IS 'How the body was obtained: html, html-checked (a lost body was suspected, the first extraction kept), html-second-opinion, json-ld or embedded-json (the page''s structured data)';
COMMENT ON COLUMN frontier.source_name IS 'A source name the user declared for this URL (backfill --dir --source NAME); it names the outlet of the article';
