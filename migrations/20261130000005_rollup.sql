-- This install's membership of an organisation rollup (DESIGN §9): the random install
-- id and where it publishes. Its signing key lives only in the OS keyring.
CREATE TABLE org_enrolment (
    org         TEXT PRIMARY KEY,
    install_id  TEXT NOT NULL,
    sink_kind   TEXT NOT NULL, -- postgres | folder
    enrolled_at TEXT NOT NULL  -- RFC 3339, UTC
);

-- What the last publish sent: per day, a hash of that day's cells, so a day is sent
-- again only when it changed. `day` '*' holds the hash of a folder sink's whole file.
CREATE TABLE org_published (
    org          TEXT NOT NULL,
    install_id   TEXT NOT NULL,
    day          TEXT NOT NULL,
    cells_sha256 TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (org, install_id, day)
);

-- Admin side: Laplace noise drawn once per released cell, kept so that repeating a
-- query cannot average it away. `noise` is a JSON array, one draw per measure.
CREATE TABLE team_noise (
    org          TEXT NOT NULL,
    period       TEXT NOT NULL, -- day | week | month
    period_start TEXT NOT NULL,
    team         TEXT NOT NULL, -- '' for org-wide cells
    category     TEXT NOT NULL,
    epsilon      REAL NOT NULL,
    noise        TEXT NOT NULL,
    PRIMARY KEY (org, period, period_start, team, category, epsilon)
);

-- Admin side: every team view and export, with what it released.
CREATE TABLE team_audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT    NOT NULL,
    org      TEXT    NOT NULL,
    action   TEXT    NOT NULL, -- view | report | export-csv
    period   TEXT    NOT NULL,
    from_day TEXT    NOT NULL,
    to_day   TEXT    NOT NULL,
    k        INTEGER NOT NULL,
    epsilon  REAL,
    cells    INTEGER NOT NULL
);
