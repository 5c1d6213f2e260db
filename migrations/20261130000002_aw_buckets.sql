-- ActivityWatch buckets known to `tally serve` (DESIGN §4.2): bucket ids and host names
-- only as salted SHA-256. No events: they live in memory until aggregated.
CREATE TABLE aw_salt (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    salt BLOB    NOT NULL -- 32 random bytes, generated once per install
);

CREATE TABLE aw_buckets (
    id_sha256       TEXT PRIMARY KEY, -- SHA-256(salt ‖ bucket id), hex
    hostname_sha256 TEXT NOT NULL,    -- SHA-256(salt ‖ host name), hex
    type            TEXT NOT NULL,    -- e.g. currentwindow; `other` when not a plain name
    client          TEXT NOT NULL,    -- e.g. aw-watcher-window; `other` when not a plain name
    created         TEXT NOT NULL     -- RFC 3339
);
