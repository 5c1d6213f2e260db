-- Where an imported file lived: SHA-256(per-install salt ‖ canonical path), hex, never
-- the path. A file imported again from there replaces that import if it was partial.
ALTER TABLE import_checkpoints ADD COLUMN origin_sha256 TEXT;

-- What an import added to activity_buckets and redaction_counts, per bucket key, kept
-- while it may still be replaced: while it runs, and once it finished with rejected
-- records or cut short. Re-importing the corrected file subtracts these rows in the
-- same transaction as it adds its own. Aggregates only, keyed like the tables they
-- mirror plus a short tag of the import.
CREATE TABLE import_contributions (
    file_tag           INTEGER NOT NULL, -- first 8 bytes of SHA-256 of the import's file_sha256
    bucket_start       INTEGER NOT NULL,
    team               TEXT    NOT NULL,
    category           TEXT    NOT NULL,
    app                TEXT    NOT NULL,
    active_ms          INTEGER NOT NULL,
    events             INTEGER NOT NULL,
    switches           INTEGER NOT NULL,
    focus_ms           INTEGER NOT NULL,
    sentiment_negative INTEGER NOT NULL,
    sentiment_neutral  INTEGER NOT NULL,
    sentiment_positive INTEGER NOT NULL,
    PRIMARY KEY (file_tag, bucket_start, team, category, app)
) WITHOUT ROWID;

CREATE TABLE import_contribution_redactions (
    file_tag     INTEGER NOT NULL,
    bucket_start INTEGER NOT NULL,
    team         TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    app          TEXT    NOT NULL,
    label        TEXT    NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (file_tag, bucket_start, team, category, app, label)
) WITHOUT ROWID;
