-- Frontier-insight providers: where and how to call them. Never their keys, which
-- live only in the OS keyring (DESIGN §4.4).
CREATE TABLE providers (
    name          TEXT    PRIMARY KEY,
    kind          TEXT    NOT NULL, -- openai | azure-openai | anthropic
    base_url      TEXT    NOT NULL,
    model         TEXT    NOT NULL,
    max_tokens    INTEGER NOT NULL,
    timeout_secs  INTEGER NOT NULL,
    max_retries   INTEGER NOT NULL,
    retry_base_ms INTEGER NOT NULL,
    is_default    INTEGER NOT NULL DEFAULT 0,
    updated_at    TEXT    NOT NULL
);

-- Everything that left the machine, or was stopped from leaving it (DESIGN §4.3):
-- one row per send, whatever its outcome.
CREATE TABLE ledger (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT    NOT NULL, -- RFC 3339, UTC
    purpose        TEXT    NOT NULL, -- insight | provider-test
    scope          TEXT,             -- personal
    period_start   TEXT,             -- local dates of the summarized week
    period_end     TEXT,
    provider       TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    model          TEXT    NOT NULL,
    endpoint       TEXT    NOT NULL,
    payload        BLOB,             -- the exact bytes, once cleared by the outbound gate; NULL when blocked
    payload_sha256 TEXT    NOT NULL,
    outcome        TEXT    NOT NULL, -- sent | failed | blocked
    left_machine   INTEGER NOT NULL, -- 1 when at least one HTTP attempt was made
    http_status    INTEGER,
    attempts       TEXT    NOT NULL, -- JSON: [{waited_ms, status | failure, elapsed_ms}]
    response       TEXT,             -- the answer after the analyzer redacted it
    response_redactions TEXT,        -- JSON {label: count}; any entry flags the answer
    error          TEXT              -- why it failed, or what the gate found (labels and positions only)
);
