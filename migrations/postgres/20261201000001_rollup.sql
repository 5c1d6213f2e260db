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

-- Readers. Complementary suppression: every total below (a week, a month, the whole
-- org) is summed from the rows of *released* day cells only, never from all rows. So a
-- total minus the released cells it covers is zero, and no suppressed cell can be
-- recovered by subtraction. This gives complementary suppression's guarantee without a
-- search for which extra cells to hide.

-- The rows of day cells (day, team, category) with at least greatest(5, k) distinct
-- enrolled, non-revoked contributors. count(*) is the distinct count: the primary key
-- allows one row per install and cell.
CREATE VIEW tally_private.released_rows WITH (security_barrier) AS
WITH live AS (
    SELECT c.*
    FROM public.contributions c
    JOIN tally_private.installs i ON i.install_id = c.install_id AND i.revoked_at IS NULL
),
released AS (
    SELECT day, team, category
    FROM live
    GROUP BY day, team, category
    HAVING count(*) >= (SELECT greatest(5, max(s.k)) FROM tally_private.settings s)
)
SELECT live.*
FROM live
JOIN released USING (day, team, category);

CREATE VIEW public.team_cells_day WITH (security_barrier) AS
SELECT day AS period_start, team, category, count(*)::integer AS contributors,
    sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
    sum(events)::bigint AS events, sum(switches)::bigint AS switches,
    sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
    sum(sentiment_positive)::bigint AS sentiment_positive
FROM tally_private.released_rows
GROUP BY day, team, category;

-- Weeks and months: first per install (so `contributors` counts distinct installs), then
-- per cell. Only released day cells' rows enter, so a week minus its released days is 0.
CREATE VIEW public.team_cells_week WITH (security_barrier) AS
SELECT period_start, team, category, count(*)::integer AS contributors,
    sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
    sum(events)::bigint AS events, sum(switches)::bigint AS switches,
    sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
    sum(sentiment_positive)::bigint AS sentiment_positive
FROM (
    SELECT date_trunc('week', day)::date AS period_start, team, category, install_id,
        sum(active_seconds) AS active_seconds, sum(focus_seconds) AS focus_seconds,
        sum(events) AS events, sum(switches) AS switches,
        sum(sentiment_negative) AS sentiment_negative, sum(sentiment_neutral) AS sentiment_neutral,
        sum(sentiment_positive) AS sentiment_positive
    FROM tally_private.released_rows
    GROUP BY 1, team, category, install_id
) per_install
GROUP BY period_start, team, category;

CREATE VIEW public.team_cells_month WITH (security_barrier) AS
SELECT period_start, team, category, count(*)::integer AS contributors,
    sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
    sum(events)::bigint AS events, sum(switches)::bigint AS switches,
    sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
    sum(sentiment_positive)::bigint AS sentiment_positive
FROM (
    SELECT date_trunc('month', day)::date AS period_start, team, category, install_id,
        sum(active_seconds) AS active_seconds, sum(focus_seconds) AS focus_seconds,
        sum(events) AS events, sum(switches) AS switches,
        sum(sentiment_negative) AS sentiment_negative, sum(sentiment_neutral) AS sentiment_neutral,
        sum(sentiment_positive) AS sentiment_positive
    FROM tally_private.released_rows
    GROUP BY 1, team, category, install_id
) per_install
GROUP BY period_start, team, category;

-- Org cells: the released rows of all teams together, so an org total is exactly the
-- sum of the released team cells and a suppressed team is in no total.
CREATE VIEW public.org_cells_day WITH (security_barrier) AS
SELECT period_start, category, count(*)::integer AS contributors,
    sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
    sum(events)::bigint AS events, sum(switches)::bigint AS switches,
    sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
    sum(sentiment_positive)::bigint AS sentiment_positive
FROM (
    SELECT day AS period_start, category, install_id,
        sum(active_seconds) AS active_seconds, sum(focus_seconds) AS focus_seconds,
        sum(events) AS events, sum(switches) AS switches,
        sum(sentiment_negative) AS sentiment_negative, sum(sentiment_neutral) AS sentiment_neutral,
        sum(sentiment_positive) AS sentiment_positive
    FROM tally_private.released_rows
    GROUP BY 1, category, install_id
) per_install
GROUP BY period_start, category;

CREATE VIEW public.org_cells_week WITH (security_barrier) AS
SELECT period_start, category, count(*)::integer AS contributors,
    sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
    sum(events)::bigint AS events, sum(switches)::bigint AS switches,
    sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
    sum(sentiment_positive)::bigint AS sentiment_positive
FROM (
    SELECT date_trunc('week', day)::date AS period_start, category, install_id,
        sum(active_seconds) AS active_seconds, sum(focus_seconds) AS focus_seconds,
        sum(events) AS events, sum(switches) AS switches,
        sum(sentiment_negative) AS sentiment_negative, sum(sentiment_neutral) AS sentiment_neutral,
        sum(sentiment_positive) AS sentiment_positive
    FROM tally_private.released_rows
    GROUP BY 1, category, install_id
) per_install
GROUP BY period_start, category;

CREATE VIEW public.org_cells_month WITH (security_barrier) AS
SELECT period_start, category, count(*)::integer AS contributors,
    sum(active_seconds)::bigint AS active_seconds, sum(focus_seconds)::bigint AS focus_seconds,
    sum(events)::bigint AS events, sum(switches)::bigint AS switches,
    sum(sentiment_negative)::bigint AS sentiment_negative, sum(sentiment_neutral)::bigint AS sentiment_neutral,
    sum(sentiment_positive)::bigint AS sentiment_positive
FROM (
    SELECT date_trunc('month', day)::date AS period_start, category, install_id,
        sum(active_seconds) AS active_seconds, sum(focus_seconds) AS focus_seconds,
        sum(events) AS events, sum(switches) AS switches,
        sum(sentiment_negative) AS sentiment_negative, sum(sentiment_neutral) AS sentiment_neutral,
        sum(sentiment_positive) AS sentiment_positive
    FROM tally_private.released_rows
    GROUP BY 1, category, install_id
) per_install
GROUP BY period_start, category;

GRANT SELECT ON public.team_cells_day, public.team_cells_week, public.team_cells_month,
    public.org_cells_day, public.org_cells_week, public.org_cells_month TO tally_reader;
