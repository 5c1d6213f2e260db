-- Which redactor (engine + model version) produced the aggregates of each bucket, so a
-- model update is visible in the Privacy view and in `tally stats`. Versions only.
CREATE TABLE bucket_redactors (
    bucket_start INTEGER NOT NULL,
    team         TEXT    NOT NULL,
    redactor     TEXT    NOT NULL,
    PRIMARY KEY (bucket_start, team, redactor)
) WITHOUT ROWID;
