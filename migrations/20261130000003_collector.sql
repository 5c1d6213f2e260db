-- The employee's consent to live collection (DESIGN §8: nothing is collected until
-- they agree). One row at most: the current decision and when it was made.
CREATE TABLE consent (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    agreed     INTEGER NOT NULL, -- 1 agreed, 0 withdrawn
    changed_at TEXT    NOT NULL  -- RFC 3339, UTC
);
