-- Counts a run reports since "Unattended for real": feeds the network could not reach (an
-- outage, not counted against the feeds), stored pages queued again for extraction, and pages a
-- scheduled ingest left for the next run when its time budget ran out.

ALTER TABLE runs ADD COLUMN feeds_unreachable INTEGER DEFAULT 0;
ALTER TABLE runs ADD COLUMN pages_requeued INTEGER DEFAULT 0;
ALTER TABLE runs ADD COLUMN pages_left INTEGER DEFAULT 0;

COMMENT ON COLUMN runs.feeds_unreachable IS 'Feeds this run could not reach at all when nearly every feed failed so (the network looked down): their health was left unchanged and pages stayed pending';
COMMENT ON COLUMN runs.pages_requeued IS 'Stored raw pages queued again for extraction (reextract)';
COMMENT ON COLUMN runs.pages_left IS 'Due pages this run did not fetch because its time budget ([fetch] budget) ran out; they stay pending for the next run';
