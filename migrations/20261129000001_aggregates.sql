-- Aggregates only (DESIGN §4.2): dimensions are time, team, category and normalized app.
-- No titles, URLs or texts, not even redacted ones.
CREATE TABLE activity_buckets (
    bucket_start       INTEGER NOT NULL, -- Unix seconds (UTC), a multiple of 900
    team               TEXT    NOT NULL,
    category           TEXT    NOT NULL,
    app                TEXT    NOT NULL,
    active_ms          INTEGER NOT NULL DEFAULT 0,
    events             INTEGER NOT NULL DEFAULT 0,
    switches           INTEGER NOT NULL DEFAULT 0,
    focus_ms           INTEGER NOT NULL DEFAULT 0,
    sentiment_negative INTEGER NOT NULL DEFAULT 0,
    sentiment_neutral  INTEGER NOT NULL DEFAULT 0,
    sentiment_positive INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket_start, team, category, app)
) WITHOUT ROWID;

-- Detections per PII label, same key as activity_buckets.
CREATE TABLE redaction_counts (
    bucket_start INTEGER NOT NULL,
    team         TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    app          TEXT    NOT NULL,
    label        TEXT    NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (bucket_start, team, category, app, label)
) WITHOUT ROWID;

-- One row per imported file, identified by the SHA-256 of its bytes (never its path).
-- Written in the same transaction as the aggregates it accounts for.
CREATE TABLE import_checkpoints (
    file_sha256      TEXT    PRIMARY KEY,
    format           TEXT    NOT NULL,
    records_done     INTEGER NOT NULL,
    complete         INTEGER NOT NULL,
    imported         INTEGER NOT NULL,
    skipped          INTEGER NOT NULL,
    timeline_state   TEXT    NOT NULL, -- aggregator state: times, categories, app names
    updated_at       TEXT    NOT NULL
);
