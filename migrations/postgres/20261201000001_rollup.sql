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
--   tally_private    settings, enrolled installs and their keys, sessions, audit log:
--                    no privilege for either role; only SECURITY DEFINER functions and
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
-- The views group by (day, team, category) and filter by day.
CREATE INDEX contributions_cell ON public.contributions (day, team, category);

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
-- re-aggregated every row on every query (2.3 s for a quarter of 1,000 installs); these
-- two tables hold ~7k day cells and ~120k install masks for the same quarter. They
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
    -- No CHECK (>= 0): the upserts below propose negative deltas as new rows, and a
    -- CHECK is evaluated on the proposed row before the conflict turns it into an update.
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

-- Per week or month, team cell and install, which days of the period the install has a
-- live row on: bit i is day i of the period (week 0-6 from Monday, month 0-30). A
-- week's or month's contributors are then the installs whose mask meets the mask of the
-- period's released days, a distinct count that never reads contributions. Since one
-- bit stands for exactly one row of contributions, the mask is the sum of its rows'
-- bits, so inserts and deletes maintain it by plain addition.
CREATE TABLE tally_private.install_periods (
    kind text NOT NULL CHECK (kind IN ('week', 'month')),
    period_start date NOT NULL,
    team text NOT NULL,
    category text NOT NULL,
    install_id uuid NOT NULL,
    day_mask integer NOT NULL,
    PRIMARY KEY (kind, period_start, team, category, install_id)
);

-- Adds (`direction` 1) or subtracts (-1) `rows` in both aggregates. Each statement
-- touches its keys in sorted order, so concurrent publishers that share day cells queue
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

    INSERT INTO tally_private.install_periods AS p (kind, period_start, team, category, install_id, day_mask)
    SELECT k.kind, k.period_start, r.team, r.category, r.install_id,
        direction * sum(1 << (r.day - k.period_start))
    FROM unnest(rows) r
    CROSS JOIN LATERAL (VALUES ('week', date_trunc('week', r.day::timestamp)::date),
                               ('month', date_trunc('month', r.day::timestamp)::date)) AS k (kind, period_start)
    GROUP BY k.kind, k.period_start, r.team, r.category, r.install_id
    ORDER BY k.kind, k.period_start, r.team, r.category, r.install_id
    ON CONFLICT (kind, period_start, team, category, install_id) DO UPDATE SET
        day_mask = p.day_mask + excluded.day_mask;

    IF direction < 0 THEN
        DELETE FROM tally_private.day_cells d
        USING (SELECT DISTINCT r.day, r.team, r.category FROM unnest(rows) r) r
        WHERE d.contributors = 0 AND (d.day, d.team, d.category) = (r.day, r.team, r.category);
        DELETE FROM tally_private.install_periods p
        USING (SELECT DISTINCT r.team, r.category, r.install_id, r.day FROM unnest(rows) r) r
        WHERE p.day_mask = 0
          AND (p.team, p.category, p.install_id) = (r.team, r.category, r.install_id)
          AND (p.kind, p.period_start) IN (('week', date_trunc('week', r.day::timestamp)::date),
                                           ('month', date_trunc('month', r.day::timestamp)::date));
    END IF;
END
$$;

-- Which of `installs` are live, share-locked until the transaction ends: a concurrent
-- revocation waits for this transaction, then subtracts what it committed; a
-- revocation that came first makes these rows not count.
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
    TRUNCATE tally_private.day_cells, tally_private.install_periods;
    RETURN NULL;
END
$$;

CREATE TRIGGER contributions_truncated AFTER TRUNCATE ON public.contributions
    FOR EACH STATEMENT EXECUTE FUNCTION tally_private.clear_aggregates();
CREATE TRIGGER installs_truncated AFTER TRUNCATE ON tally_private.installs
    FOR EACH STATEMENT EXECUTE FUNCTION tally_private.clear_aggregates();

REVOKE ALL ON FUNCTION tally_private.count_rows(public.contributions[], integer),
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
-- leakproof, so its period_start range still reaches the private views' indexes.

-- Day cells with at least greatest(5, k) distinct live contributors.
CREATE VIEW tally_private.released_days AS
SELECT d.*
FROM tally_private.day_cells d
WHERE d.contributors >= (SELECT greatest(5, max(s.k)) FROM tally_private.settings s);

-- Per week and month and team cell, the sums of its released days and which of its days
-- are released (as in install_periods.day_mask).
CREATE VIEW tally_private.released_periods AS
SELECT p.kind, p.period_start, d.team, d.category,
    bit_or(1 << (d.day - p.period_start)) AS released_mask,
    sum(d.active_seconds)::bigint AS active_seconds, sum(d.focus_seconds)::bigint AS focus_seconds,
    sum(d.events)::bigint AS events, sum(d.switches)::bigint AS switches,
    sum(d.sentiment_negative)::bigint AS sentiment_negative, sum(d.sentiment_neutral)::bigint AS sentiment_neutral,
    sum(d.sentiment_positive)::bigint AS sentiment_positive
FROM tally_private.released_days d
CROSS JOIN LATERAL (VALUES ('week', date_trunc('week', d.day::timestamp)::date),
                           ('month', date_trunc('month', d.day::timestamp)::date)) AS p (kind, period_start)
GROUP BY p.kind, p.period_start, d.team, d.category;

-- What a week or month cell is built from, as rows to group: one per released team cell
-- carrying its sums (install_id NULL), and one per install with a row in one of its
-- released days (measures 0). Grouping them yields sums and distinct contributors in
-- one pass, per team or across teams.
CREATE VIEW tally_private.released_period_rows AS
SELECT r.kind, r.period_start, r.team, r.category, NULL::uuid AS install_id,
    r.active_seconds, r.focus_seconds, r.events, r.switches,
    r.sentiment_negative, r.sentiment_neutral, r.sentiment_positive
FROM tally_private.released_periods r
UNION ALL
SELECT i.kind, i.period_start, i.team, i.category, i.install_id, 0, 0, 0, 0, 0, 0, 0
FROM tally_private.install_periods i
JOIN tally_private.released_periods r
  ON (r.kind, r.period_start, r.team, r.category) = (i.kind, i.period_start, i.team, i.category)
WHERE i.day_mask & r.released_mask <> 0;

CREATE VIEW public.team_cells_day WITH (security_barrier) AS
SELECT day AS period_start, team, category, contributors,
    active_seconds, focus_seconds, events, switches,
    sentiment_negative, sentiment_neutral, sentiment_positive
FROM tally_private.released_days;

-- count(install_id) is distinct: install_periods holds one row per install and cell.
CREATE VIEW public.team_cells_week WITH (security_barrier) AS
SELECT period_start, team, category, count(install_id)::integer AS contributors,
    sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
    sum(events)::bigint AS events, sum(switches)::bigint AS switches,
    sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
    sum(sentiment_positive)::bigint AS sentiment_positive
FROM tally_private.released_period_rows
WHERE kind = 'week'
GROUP BY period_start, team, category;

CREATE VIEW public.team_cells_month WITH (security_barrier) AS
SELECT period_start, team, category, count(install_id)::integer AS contributors,
    sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
    sum(events)::bigint AS events, sum(switches)::bigint AS switches,
    sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
    sum(sentiment_positive)::bigint AS sentiment_positive
FROM tally_private.released_period_rows
WHERE kind = 'month'
GROUP BY period_start, team, category;

-- Org cells: the released team cells of all teams together, so an org total is exactly
-- the sum of the released team cells and a suppressed team is in no total. An install
-- that published for two teams counts once.
CREATE VIEW public.org_cells_week WITH (security_barrier) AS
SELECT period_start, category, count(DISTINCT install_id)::integer AS contributors,
    sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
    sum(events)::bigint AS events, sum(switches)::bigint AS switches,
    sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
    sum(sentiment_positive)::bigint AS sentiment_positive
FROM tally_private.released_period_rows
WHERE kind = 'week'
GROUP BY period_start, category;

CREATE VIEW public.org_cells_month WITH (security_barrier) AS
SELECT period_start, category, count(DISTINCT install_id)::integer AS contributors,
    sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
    sum(events)::bigint AS events, sum(switches)::bigint AS switches,
    sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
    sum(sentiment_positive)::bigint AS sentiment_positive
FROM tally_private.released_period_rows
WHERE kind = 'month'
GROUP BY period_start, category;

-- Per day, the installs come from the week masks: an install counts on a day when its
-- mask has that day's bit in a released team cell.
CREATE VIEW public.org_cells_day WITH (security_barrier) AS
SELECT period_start, category, count(DISTINCT install_id)::integer AS contributors,
    sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
    sum(events)::bigint AS events, sum(switches)::bigint AS switches,
    sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
    sum(sentiment_positive)::bigint AS sentiment_positive
FROM (
    SELECT d.day AS period_start, d.category, NULL::uuid AS install_id,
        d.active_seconds, d.focus_seconds, d.events, d.switches,
        d.sentiment_negative, d.sentiment_neutral, d.sentiment_positive
    FROM tally_private.released_days d
    UNION ALL
    SELECT d.day, d.category, i.install_id, 0, 0, 0, 0, 0, 0, 0
    FROM tally_private.released_days d
    JOIN tally_private.install_periods i
      ON i.kind = 'week' AND i.period_start = date_trunc('week', d.day::timestamp)::date
     AND i.team = d.team AND i.category = d.category
    WHERE i.day_mask & (1 << (d.day - i.period_start)) <> 0
) day_rows
GROUP BY period_start, category;

GRANT SELECT ON public.team_cells_day, public.team_cells_week, public.team_cells_month,
    public.org_cells_day, public.org_cells_week, public.org_cells_month TO tally_reader;
