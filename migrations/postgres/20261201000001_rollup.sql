-- The org rollup's PostgreSQL sink (DESIGN §4.5, §9). Run by the organisation's owner
-- role through `PgSink::migrate`; publishers and readers log in as members of the two
-- group roles created here and get only what is granted below.
--
-- Who may do what:
--   tally_publisher  insert/delete its own rows of public.contributions (row-level
--                    security, after `tally_login`), read back only the key columns of
--                    its own rows, and nothing else.
--   tally_reader     query the k-enforcing views team_cells_* and org_cells_*, append to
--                    the audit log through `tally_audit`; no access to the table itself.
--   tally_private    settings, enrolled installs and their keys, sessions, audit log,
--                    and the aggregates the views read (kept by triggers): no privilege
--                    for either role; only SECURITY DEFINER functions, the triggers and
--                    the views (owned by the migration owner) reach it.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tally_publisher') THEN
        CREATE ROLE tally_publisher NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tally_reader') THEN
        CREATE ROLE tally_reader NOLOGIN;
    END IF;
END
$$;

CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- The SECURITY DEFINER functions below resolve pgcrypto through `public`; nobody but the
-- owner may create objects there that could shadow it (PostgreSQL 15's default, made
-- explicit for older servers).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA tally_private;
REVOKE ALL ON SCHEMA tally_private FROM PUBLIC;

CREATE TABLE tally_private.settings (
    -- One row only.
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    -- Nothing lowers k below 5 (DESIGN §4.5); the views also take greatest(5, k).
    k integer NOT NULL CHECK (k >= 5),
    enrol_secret bytea NOT NULL CHECK (length(enrol_secret) = 32)
);

CREATE TABLE tally_private.installs (
    install_id uuid PRIMARY KEY,
    signing_key bytea NOT NULL CHECK (length(signing_key) = 32),
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- Which install a backend has logged in as. The backend start time is part of the key so
-- that a later backend reusing the pid cannot inherit the login.
CREATE TABLE tally_private.sessions (
    pid integer PRIMARY KEY,
    backend_start timestamptz NOT NULL,
    install_id uuid NOT NULL REFERENCES tally_private.installs (install_id) ON DELETE CASCADE
);

CREATE TABLE tally_private.audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    role text NOT NULL,
    action text NOT NULL,
    detail text NOT NULL
);

CREATE TABLE public.contributions (
    install_id uuid NOT NULL,
    day date NOT NULL,
    team text NOT NULL,
    category text NOT NULL,
    active_seconds bigint NOT NULL CHECK (active_seconds >= 0 AND active_seconds <= 86400),
    focus_seconds bigint NOT NULL CHECK (focus_seconds >= 0),
    events bigint NOT NULL CHECK (events >= 0),
    switches bigint NOT NULL CHECK (switches >= 0),
    sentiment_negative bigint NOT NULL CHECK (sentiment_negative >= 0),
    sentiment_neutral bigint NOT NULL CHECK (sentiment_neutral >= 0),
    sentiment_positive bigint NOT NULL CHECK (sentiment_positive >= 0),
    signature bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (install_id, day, team, category)
);
-- No index beyond the primary key: the views read the aggregates below, and the
-- triggers read an install's rows by install_id (the key's first column).

ALTER TABLE public.contributions ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.contributions FROM PUBLIC;

-- The install the current backend logged in as, or NULL.
CREATE FUNCTION public.tally_current_install() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.install_id
    FROM tally_private.sessions s
    JOIN tally_private.installs i ON i.install_id = s.install_id AND i.revoked_at IS NULL
    WHERE s.pid = pg_backend_pid()
      AND s.backend_start = (SELECT a.backend_start FROM pg_stat_get_activity(pg_backend_pid()) a)
$$;

-- Whether `signature` is the install's HMAC-SHA-256 over the row's canonical bytes: the
-- same text as `DayCell::signed_bytes` in src/rollup/mod.rs.
CREATE FUNCTION public.tally_row_ok(
    install uuid, day date, team text, category text,
    active_seconds bigint, focus_seconds bigint, events bigint, switches bigint,
    sentiment_negative bigint, sentiment_neutral bigint, sentiment_positive bigint,
    signature bytea
) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT coalesce((
        SELECT public.hmac(
                   convert_to(concat_ws('|', 'tally-row-v1', install::text, to_char(day, 'YYYY-MM-DD'),
                       team, category, active_seconds, focus_seconds, events, switches,
                       sentiment_negative, sentiment_neutral, sentiment_positive), 'UTF8'),
                   i.signing_key, 'sha256') = signature
        FROM tally_private.installs i
        WHERE i.install_id = install AND i.revoked_at IS NULL
    ), false)
$$;

-- Registers an install's signing key, given the proof made from the enrolment token
-- (`EnrolmentSecret::proof`). Enrolling again with the same key is a no-op; an install
-- id that is revoked or enrolled with another key is refused, so holding the token is
-- not enough to take over someone else's install id.
CREATE FUNCTION public.tally_enrol(install uuid, key bytea, proof bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    secret bytea;
    existing tally_private.installs%ROWTYPE;
BEGIN
    SELECT s.enrol_secret INTO secret FROM tally_private.settings s;
    IF secret IS NULL THEN
        RAISE EXCEPTION 'enrolment refused: the organisation is not initialised'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    IF key IS NULL OR length(key) <> 32 OR proof IS NULL
       OR public.hmac(convert_to('tally-enrol-v1|' || install::text || '|' || encode(key, 'hex'), 'UTF8'),
                      secret, 'sha256') <> proof THEN
        RAISE EXCEPTION 'enrolment refused: the proof does not match the organisation''s enrolment token'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    SELECT * INTO existing FROM tally_private.installs i WHERE i.install_id = install;
    IF NOT FOUND THEN
        INSERT INTO tally_private.installs (install_id, signing_key) VALUES (install, key);
    ELSIF existing.revoked_at IS NOT NULL OR existing.signing_key <> key THEN
        RAISE EXCEPTION 'enrolment refused: this install id is revoked or enrolled with another key; enrol a new install id'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
END
$$;

-- Lets this backend act as `install` once `mac` proves it holds the install's key
-- (`SigningKey::login_bytes`), signed within 300 s of the server's clock.
CREATE FUNCTION public.tally_login(install uuid, at bigint, mac bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    key bytea;
BEGIN
    SELECT i.signing_key INTO key FROM tally_private.installs i
    WHERE i.install_id = install AND i.revoked_at IS NULL;
    IF key IS NULL
       OR abs(extract(epoch FROM now()) - at) > 300
       OR mac IS NULL
       OR public.hmac(convert_to('tally-login-v1|' || install::text || '|' || at::text, 'UTF8'), key, 'sha256') <> mac THEN
        RAISE EXCEPTION 'login refused: the install is not enrolled, is revoked, its clock is off by more than 300 s, or the key does not match'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    INSERT INTO tally_private.sessions (pid, backend_start, install_id)
    VALUES (pg_backend_pid(), (SELECT a.backend_start FROM pg_stat_get_activity(pg_backend_pid()) a), install)
    ON CONFLICT (pid) DO UPDATE SET backend_start = excluded.backend_start, install_id = excluded.install_id;
END
$$;

-- Ends this backend's login (the sink calls it before each commit, so a pooled
-- connection never stays logged in).
CREATE FUNCTION public.tally_logout() RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    DELETE FROM tally_private.sessions WHERE pid = pg_backend_pid()
$$;

-- Revokes the logged-in install: its rows no longer count and it cannot log in again.
CREATE FUNCTION public.tally_revoke() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    me uuid := public.tally_current_install();
BEGIN
    IF me IS NULL THEN
        RAISE EXCEPTION 'revoke refused: this session is not logged in as an install'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    UPDATE tally_private.installs SET revoked_at = now() WHERE install_id = me;
END
$$;

-- Appends to the audit log; nobody but the owner can read or change it.
CREATE FUNCTION public.tally_audit(action text, detail text) RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO tally_private.audit (role, action, detail) VALUES (session_user, action, detail)
$$;

-- Functions are executable by PUBLIC unless revoked.
REVOKE ALL ON FUNCTION public.tally_current_install(), public.tally_login(uuid, bigint, bytea),
    public.tally_logout(), public.tally_revoke(), public.tally_enrol(uuid, bytea, bytea),
    public.tally_audit(text, text),
    public.tally_row_ok(uuid, date, text, text, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bytea)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.tally_enrol(uuid, bytea, bytea), public.tally_login(uuid, bigint, bytea),
    public.tally_logout(), public.tally_revoke() TO tally_publisher;
-- The row-level security policies call these with the publisher's privileges.
GRANT EXECUTE ON FUNCTION public.tally_current_install(),
    public.tally_row_ok(uuid, date, text, text, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bytea)
    TO tally_publisher;
GRANT EXECUTE ON FUNCTION public.tally_audit(text, text) TO tally_reader;

-- Publishers: insert signed rows as themselves, delete their own, see only the key
-- columns of their own rows (DELETE … WHERE needs SELECT on the columns it names).
GRANT INSERT, DELETE ON public.contributions TO tally_publisher;
GRANT SELECT (install_id, day) ON public.contributions TO tally_publisher;

CREATE POLICY publisher_insert ON public.contributions FOR INSERT TO tally_publisher
    WITH CHECK (
        install_id = public.tally_current_install()
        AND public.tally_row_ok(install_id, day, team, category, active_seconds, focus_seconds, events,
            switches, sentiment_negative, sentiment_neutral, sentiment_positive, signature)
    );
CREATE POLICY publisher_delete ON public.contributions FOR DELETE TO tally_publisher
    USING (install_id = public.tally_current_install());
CREATE POLICY publisher_select ON public.contributions FOR SELECT TO tally_publisher
    USING (install_id = public.tally_current_install());

-- Aggregates the reader views are built from, kept by triggers on every change to
-- public.contributions and to an install's revocation. Reading the rows themselves
-- re-aggregated every row on every query (2.3 s for a quarter of 1,000 installs); the
-- views now read tables of a few thousand rows for the same quarter. The aggregates
-- count only the rows of enrolled, non-revoked ("live") installs, and they hold no k:
-- which cells are released is decided when a view is read, so changing k needs no
-- recomputation. Rows that fall to zero are deleted, so nothing of a withdrawn install
-- is left behind.

-- Per day cell, the number of live rows (the primary key of contributions allows one
-- per install and cell, so this is the distinct contributor count) and their sums.
CREATE TABLE tally_private.day_cells (
    day date NOT NULL,
    team text NOT NULL,
    category text NOT NULL,
    -- No CHECK (>= 0) here or below: the upserts propose negative deltas as new rows,
    -- and a CHECK is evaluated on the proposed row before the conflict makes it an update.
    contributors integer NOT NULL,
    active_seconds bigint NOT NULL,
    focus_seconds bigint NOT NULL,
    events bigint NOT NULL,
    switches bigint NOT NULL,
    sentiment_negative bigint NOT NULL,
    sentiment_neutral bigint NOT NULL,
    sentiment_positive bigint NOT NULL,
    PRIMARY KEY (day, team, category)
);

-- Per install, week or month, category and team, which days of the period the install
-- has a live row on: bit i is day i of the period (week 0-6 from Monday, month 0-30).
-- One bit stands for exactly one row of contributions, so the mask is the sum of its
-- rows' bits and inserts and deletes maintain it by addition. The views read it only
-- for installs in team_overlaps; it exists to keep period_masks and team_overlaps.
CREATE TABLE tally_private.install_periods (
    install_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('week', 'month')),
    period_start date NOT NULL,
    category text NOT NULL,
    team text NOT NULL,
    day_mask integer NOT NULL,
    PRIMARY KEY (install_id, kind, period_start, category, team)
);

-- Per week or month team cell, how many installs have each day mask. A cell's
-- contributors are the installs whose mask meets the mask of its released days, so the
-- distinct count reads at most one row per distinct mask, not one per install.
CREATE TABLE tally_private.period_masks (
    kind text NOT NULL CHECK (kind IN ('week', 'month')),
    period_start date NOT NULL,
    team text NOT NULL,
    category text NOT NULL,
    day_mask integer NOT NULL,
    installs integer NOT NULL,
    PRIMARY KEY (kind, period_start, team, category, day_mask)
);

-- Installs with rows in more than one team in the same week or month and category (a
-- team change). An org cell's contributors are the sum of its team cells' less those
-- installs' extra counts; normally this table is empty.
CREATE TABLE tally_private.team_overlaps (
    install_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('week', 'month')),
    period_start date NOT NULL,
    category text NOT NULL,
    PRIMARY KEY (install_id, kind, period_start, category)
);

-- The week and the month a day falls in, as (kind, first day). The trigger functions use
-- it; the views spell the same VALUES out, since a function with SET is never inlined.
CREATE FUNCTION tally_private.periods_of(day date) RETURNS TABLE (kind text, period_start date)
LANGUAGE sql IMMUTABLE ROWS 2
SET search_path = pg_catalog, pg_temp
AS $$
    VALUES ('week', date_trunc('week', day::timestamp)::date), ('month', date_trunc('month', day::timestamp)::date)
$$;

-- Adds (`direction` 1) or subtracts (-1) `rows` in the aggregates. Each statement
-- touches its keys in sorted order, so concurrent publishers that share cells queue
-- behind each other instead of deadlocking (the sink still retries a deadlock victim:
-- a publish's DELETE and INSERT are two statements, two sorted passes).
CREATE FUNCTION tally_private.count_rows(rows public.contributions[], direction integer) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF cardinality(rows) = 0 THEN
        RETURN;
    END IF;

    INSERT INTO tally_private.day_cells AS d (day, team, category, contributors, active_seconds, focus_seconds,
        events, switches, sentiment_negative, sentiment_neutral, sentiment_positive)
    SELECT r.day, r.team, r.category, direction * count(*),
        direction * sum(r.active_seconds), direction * sum(r.focus_seconds),
        direction * sum(r.events), direction * sum(r.switches), direction * sum(r.sentiment_negative),
        direction * sum(r.sentiment_neutral), direction * sum(r.sentiment_positive)
    FROM unnest(rows) r
    GROUP BY r.day, r.team, r.category
    ORDER BY r.day, r.team, r.category
    ON CONFLICT (day, team, category) DO UPDATE SET
        contributors = d.contributors + excluded.contributors,
        active_seconds = d.active_seconds + excluded.active_seconds,
        focus_seconds = d.focus_seconds + excluded.focus_seconds,
        events = d.events + excluded.events,
        switches = d.switches + excluded.switches,
        sentiment_negative = d.sentiment_negative + excluded.sentiment_negative,
        sentiment_neutral = d.sentiment_neutral + excluded.sentiment_neutral,
        sentiment_positive = d.sentiment_positive + excluded.sentiment_positive;
    IF direction < 0 THEN
        DELETE FROM tally_private.day_cells d
        USING (SELECT DISTINCT r.day, r.team, r.category FROM unnest(rows) r) r
        WHERE d.contributors = 0 AND (d.day, d.team, d.category) = (r.day, r.team, r.category);
    END IF;

    -- Each install whose mask changed leaves its old mask's count and joins its new one's.
    WITH delta AS (
        SELECT r.install_id, k.kind, k.period_start, r.category, r.team,
            (direction * sum(1 << (r.day - k.period_start)))::integer AS bits
        FROM unnest(rows) r
        CROSS JOIN LATERAL tally_private.periods_of(r.day) k
        GROUP BY r.install_id, k.kind, k.period_start, r.category, r.team
    ),
    masks AS (
        INSERT INTO tally_private.install_periods AS p (install_id, kind, period_start, category, team, day_mask)
        SELECT * FROM delta
        ORDER BY install_id, kind, period_start, category, team
        ON CONFLICT (install_id, kind, period_start, category, team) DO UPDATE SET
            day_mask = p.day_mask + excluded.day_mask
        RETURNING p.install_id, p.kind, p.period_start, p.category, p.team, p.day_mask
    ),
    moves AS (
        SELECT m.kind, m.period_start, m.team, m.category, m.day_mask, 1 AS installs
        FROM masks m
        WHERE m.day_mask <> 0
        UNION ALL
        SELECT m.kind, m.period_start, m.team, m.category, m.day_mask - d.bits, -1
        FROM masks m
        JOIN delta d USING (install_id, kind, period_start, category, team)
        WHERE m.day_mask - d.bits <> 0
    )
    INSERT INTO tally_private.period_masks AS h (kind, period_start, team, category, day_mask, installs)
    SELECT kind, period_start, team, category, day_mask, sum(installs)
    FROM moves
    GROUP BY kind, period_start, team, category, day_mask
    HAVING sum(installs) <> 0
    ORDER BY kind, period_start, team, category, day_mask
    ON CONFLICT (kind, period_start, team, category, day_mask) DO UPDATE SET
        installs = h.installs + excluded.installs;

    DELETE FROM tally_private.period_masks h
    USING (SELECT DISTINCT k.kind, k.period_start, r.team, r.category
           FROM unnest(rows) r
           CROSS JOIN LATERAL tally_private.periods_of(r.day) k) t
    WHERE h.installs = 0 AND (h.kind, h.period_start, h.team, h.category) = (t.kind, t.period_start, t.team, t.category);

    -- Masks that fell to zero go; the touched (install, period, category) keys' overlaps
    -- can only end on a delete and only begin on an insert.
    IF direction < 0 THEN
        DELETE FROM tally_private.install_periods p
        USING (SELECT DISTINCT r.install_id, k.kind, k.period_start, r.category
               FROM unnest(rows) r CROSS JOIN LATERAL tally_private.periods_of(r.day) k) t
        WHERE p.day_mask = 0
          AND (p.install_id, p.kind, p.period_start, p.category) = (t.install_id, t.kind, t.period_start, t.category);
        DELETE FROM tally_private.team_overlaps o
        USING (SELECT DISTINCT r.install_id, k.kind, k.period_start, r.category
               FROM unnest(rows) r CROSS JOIN LATERAL tally_private.periods_of(r.day) k) t
        WHERE (o.install_id, o.kind, o.period_start, o.category) = (t.install_id, t.kind, t.period_start, t.category)
          AND (SELECT count(*) FROM tally_private.install_periods p
               WHERE (p.install_id, p.kind, p.period_start, p.category) = (t.install_id, t.kind, t.period_start, t.category)) < 2;
    ELSE
        INSERT INTO tally_private.team_overlaps (install_id, kind, period_start, category)
        SELECT p.install_id, p.kind, p.period_start, p.category
        FROM tally_private.install_periods p
        JOIN (SELECT DISTINCT r.install_id, k.kind, k.period_start, r.category
              FROM unnest(rows) r CROSS JOIN LATERAL tally_private.periods_of(r.day) k) t
          USING (install_id, kind, period_start, category)
        GROUP BY p.install_id, p.kind, p.period_start, p.category
        HAVING count(*) > 1
        ON CONFLICT DO NOTHING;
    END IF;
END
$$;

-- Which of `installs` are live, share-locked until the transaction ends: a concurrent
-- revocation waits for this transaction, then subtracts what it committed; a
-- revocation that came first makes these rows not count. This relies on READ COMMITTED
-- (each statement of the revocation's trigger sees what committed before it), the
-- default and what the sink uses.
CREATE FUNCTION tally_private.lock_live_installs(installs uuid[]) RETURNS uuid[]
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(install_id), '{}')
    FROM (
        SELECT i.install_id FROM tally_private.installs i
        WHERE i.install_id = ANY (installs) AND i.revoked_at IS NULL
        ORDER BY i.install_id
        FOR SHARE
    ) live
$$;

-- Statement-level, with the statement's rows as transition tables: a publish's
-- multi-row DELETE and INSERT each cost one pass over the aggregates, not one per row.
-- SECURITY DEFINER because publishers have no privilege on tally_private.
CREATE FUNCTION tally_private.contributions_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    live uuid[];
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        live := tally_private.lock_live_installs(ARRAY(SELECT DISTINCT r.install_id FROM removed r));
        PERFORM tally_private.count_rows(ARRAY(SELECT r::public.contributions FROM removed r WHERE r.install_id = ANY (live)), -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        live := tally_private.lock_live_installs(ARRAY(SELECT DISTINCT a.install_id FROM added a));
        PERFORM tally_private.count_rows(ARRAY(SELECT a::public.contributions FROM added a WHERE a.install_id = ANY (live)), 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER contributions_inserted AFTER INSERT ON public.contributions
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION tally_private.contributions_changed();
CREATE TRIGGER contributions_deleted AFTER DELETE ON public.contributions
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION tally_private.contributions_changed();
-- Neither role may update rows; the owner might.
CREATE TRIGGER contributions_updated AFTER UPDATE ON public.contributions
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION tally_private.contributions_changed();

-- An install that stops being live (revoked, deleted) takes its rows out of the
-- aggregates at once, even when they stay in contributions; one that becomes live again
-- (the owner clearing revoked_at) brings them back.
CREATE FUNCTION tally_private.install_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    was_live boolean := TG_OP <> 'INSERT' AND OLD.revoked_at IS NULL;
    is_live boolean := TG_OP <> 'DELETE' AND NEW.revoked_at IS NULL;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.install_id = NEW.install_id AND was_live = is_live THEN
        RETURN NULL;
    END IF;
    IF was_live THEN
        PERFORM tally_private.count_rows(
            ARRAY(SELECT c FROM public.contributions c WHERE c.install_id = OLD.install_id), -1);
    END IF;
    IF is_live THEN
        PERFORM tally_private.count_rows(
            ARRAY(SELECT c FROM public.contributions c WHERE c.install_id = NEW.install_id), 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER install_changed AFTER INSERT OR UPDATE OR DELETE ON tally_private.installs
    FOR EACH ROW EXECUTE FUNCTION tally_private.install_changed();

-- TRUNCATE fires no row or statement triggers of the kinds above.
CREATE FUNCTION tally_private.clear_aggregates() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    TRUNCATE tally_private.day_cells, tally_private.install_periods, tally_private.period_masks,
        tally_private.team_overlaps;
    RETURN NULL;
END
$$;

CREATE TRIGGER contributions_truncated AFTER TRUNCATE ON public.contributions
    FOR EACH STATEMENT EXECUTE FUNCTION tally_private.clear_aggregates();
CREATE TRIGGER installs_truncated AFTER TRUNCATE ON tally_private.installs
    FOR EACH STATEMENT EXECUTE FUNCTION tally_private.clear_aggregates();

REVOKE ALL ON FUNCTION tally_private.periods_of(date), tally_private.count_rows(public.contributions[], integer),
    tally_private.lock_live_installs(uuid[]), tally_private.contributions_changed(),
    tally_private.install_changed(), tally_private.clear_aggregates()
    FROM PUBLIC;

-- Readers. Complementary suppression: every total below (a week, a month, the whole
-- org) is summed from *released* day cells only, never from all rows. So a total minus
-- the released cells it covers is zero, and no suppressed cell can be recovered by
-- subtraction. This gives complementary suppression's guarantee without a search for
-- which extra cells to hide.
--
-- The public views are security barriers (a reader's own function in a WHERE clause
-- never sees a suppressed cell); the date comparisons the sink filters with are
-- leakproof, so its period_start range is still pushed down into the private views.

-- Day cells with at least greatest(5, k) distinct live contributors.
CREATE VIEW tally_private.released_days AS
SELECT d.*
FROM tally_private.day_cells d
WHERE d.contributors >= (SELECT greatest(5, max(s.k)) FROM tally_private.settings s);

-- Per week or month team cell, the sums of its released days, which of its days are
-- released (a mask as in install_periods) and so its contributors: the installs whose
-- mask meets the released days'.
CREATE VIEW tally_private.released_periods AS
SELECT r.*,
    (SELECT sum(h.installs) FROM tally_private.period_masks h
     WHERE (h.kind, h.period_start, h.team, h.category) = (r.kind, r.period_start, r.team, r.category)
       AND h.day_mask & r.released_mask <> 0)::integer AS contributors
FROM (
    SELECT p.kind, p.period_start, d.team, d.category,
        bit_or(1 << (d.day - p.period_start)) AS released_mask,
        sum(d.active_seconds)::bigint AS active_seconds, sum(d.focus_seconds)::bigint AS focus_seconds,
        sum(d.events)::bigint AS events, sum(d.switches)::bigint AS switches,
        sum(d.sentiment_negative)::bigint AS sentiment_negative, sum(d.sentiment_neutral)::bigint AS sentiment_neutral,
        sum(d.sentiment_positive)::bigint AS sentiment_positive
    FROM tally_private.released_days d
    CROSS JOIN LATERAL (VALUES ('week', date_trunc('week', d.day::timestamp)::date),
                               ('month', date_trunc('month', d.day::timestamp)::date)) AS p (kind, period_start)
    GROUP BY p.kind, p.period_start, d.team, d.category
) r;

-- For an install in team_overlaps, the days on which each of its team rows counts (its
-- mask within the released days of that team cell).
CREATE VIEW tally_private.overlap_days AS
SELECT p.install_id, p.kind, p.period_start, p.category, p.team,
    p.day_mask & coalesce((
        SELECT bit_or(1 << (d.day - p.period_start))
        FROM tally_private.released_days d
        WHERE d.team = p.team AND d.category = p.category
          AND d.day >= p.period_start
          AND d.day < CASE p.kind WHEN 'week' THEN p.period_start + 7
                                  ELSE (p.period_start + interval '1 month')::date END
    ), 0) AS counted_mask
FROM tally_private.team_overlaps o
JOIN tally_private.install_periods p USING (install_id, kind, period_start, category);

-- Per week or month and category, how many more times the team cells count such
-- installs than once each.
CREATE VIEW tally_private.overlap_periods AS
SELECT kind, period_start, category, sum(teams - 1) AS extra
FROM (
    SELECT install_id, kind, period_start, category, count(*) AS teams
    FROM tally_private.overlap_days
    WHERE counted_mask <> 0
    GROUP BY install_id, kind, period_start, category
) counted
WHERE teams > 1
GROUP BY kind, period_start, category;

-- The same per day, from the week masks: an install counts on day i of a week in every
-- team whose counted mask has bit i.
CREATE VIEW tally_private.overlap_days_extra AS
SELECT day, category, sum(teams - 1) AS extra
FROM (
    SELECT o.install_id, o.period_start + i AS day, o.category, count(*) AS teams
    FROM tally_private.overlap_days o
    CROSS JOIN generate_series(0, 6) AS i
    WHERE o.kind = 'week' AND o.counted_mask & (1 << i) <> 0
    GROUP BY o.install_id, o.period_start + i, o.category
) counted
WHERE teams > 1
GROUP BY day, category;

CREATE VIEW public.team_cells_day WITH (security_barrier) AS
SELECT day AS period_start, team, category, contributors,
    active_seconds, focus_seconds, events, switches,
    sentiment_negative, sentiment_neutral, sentiment_positive
FROM tally_private.released_days;

CREATE VIEW public.team_cells_week WITH (security_barrier) AS
SELECT period_start, team, category, contributors,
    active_seconds, focus_seconds, events, switches,
    sentiment_negative, sentiment_neutral, sentiment_positive
FROM tally_private.released_periods
WHERE kind = 'week';

CREATE VIEW public.team_cells_month WITH (security_barrier) AS
SELECT period_start, team, category, contributors,
    active_seconds, focus_seconds, events, switches,
    sentiment_negative, sentiment_neutral, sentiment_positive
FROM tally_private.released_periods
WHERE kind = 'month';

-- Org cells: the released team cells of all teams together, so an org total is exactly
-- the sum of the released team cells and a suppressed team is in no total. An install
-- counted in two teams' cells (it changed team) counts once.
CREATE VIEW public.org_cells_day WITH (security_barrier) AS
SELECT t.period_start, t.category,
    (t.contributors - coalesce(x.extra, 0))::integer AS contributors,
    t.active_seconds, t.focus_seconds, t.events, t.switches,
    t.sentiment_negative, t.sentiment_neutral, t.sentiment_positive
FROM (
    SELECT day AS period_start, category, sum(contributors) AS contributors,
        sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
        sum(events)::bigint AS events, sum(switches)::bigint AS switches,
        sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
        sum(sentiment_positive)::bigint AS sentiment_positive
    FROM tally_private.released_days
    GROUP BY day, category
) t
LEFT JOIN tally_private.overlap_days_extra x ON x.day = t.period_start AND x.category = t.category;

CREATE VIEW public.org_cells_week WITH (security_barrier) AS
SELECT t.period_start, t.category,
    (t.contributors - coalesce(x.extra, 0))::integer AS contributors,
    t.active_seconds, t.focus_seconds, t.events, t.switches,
    t.sentiment_negative, t.sentiment_neutral, t.sentiment_positive
FROM (
    SELECT kind, period_start, category, sum(contributors) AS contributors,
        sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
        sum(events)::bigint AS events, sum(switches)::bigint AS switches,
        sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
        sum(sentiment_positive)::bigint AS sentiment_positive
    FROM tally_private.released_periods
    WHERE kind = 'week'
    GROUP BY kind, period_start, category
) t
LEFT JOIN tally_private.overlap_periods x USING (kind, period_start, category);

CREATE VIEW public.org_cells_month WITH (security_barrier) AS
SELECT t.period_start, t.category,
    (t.contributors - coalesce(x.extra, 0))::integer AS contributors,
    t.active_seconds, t.focus_seconds, t.events, t.switches,
    t.sentiment_negative, t.sentiment_neutral, t.sentiment_positive
FROM (
    SELECT kind, period_start, category, sum(contributors) AS contributors,
        sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
        sum(events)::bigint AS events, sum(switches)::bigint AS switches,
        sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
        sum(sentiment_positive)::bigint AS sentiment_positive
    FROM tally_private.released_periods
    WHERE kind = 'month'
    GROUP BY kind, period_start, category
) t
LEFT JOIN tally_private.overlap_periods x USING (kind, period_start, category);

GRANT SELECT ON public.team_cells_day, public.team_cells_week, public.team_cells_month,
    public.org_cells_day, public.org_cells_week, public.org_cells_month TO tally_reader;
