-- Names the user gave their unrecognised apps (keyed app ids, `app:` and 12 hex digits),
-- for their own view only: nothing that leaves the machine reads this table.
CREATE TABLE app_labels (
    app_id TEXT PRIMARY KEY NOT NULL,
    label TEXT NOT NULL
);
