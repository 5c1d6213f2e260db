-- The team rollup against insiders (docs/threat-model.md): bounded inputs, per-device
-- single-use enrolment tokens against a declared roster, installs bound to one team,
-- and readers who see only week cells released once, k-checked and noised here, in
-- the database, from a secret no reader holds.

-- 1. Bounded inputs. Every measure is capped per install and day, and active time per
-- install and ISO week (`DAILY_CAPS`, `MAX_SECONDS_PER_WEEK` in src/rollup/mod.rs), per
-- row here and per install-day and install-week in the statement trigger below, so no sum can overflow and no error a publisher sees
-- depends on another install's rows. NOT VALID: rows already stored keep counting until
-- their install republishes them.
ALTER TABLE public.contributions
    ADD CONSTRAINT contributions_category_known CHECK (category IN
        ('deep_work', 'communication', 'meetings', 'planning', 'research', 'admin', 'ai_tools', 'non_work',
         'uncategorized')) NOT VALID,
    ADD CONSTRAINT contributions_within_daily_caps CHECK (
        active_seconds BETWEEN 0 AND 43200
        AND focus_seconds BETWEEN 0 AND active_seconds
        AND events BETWEEN 0 AND 2880
        AND switches BETWEEN 0 AND 2880
        AND sentiment_negative BETWEEN 0 AND 2880
        AND sentiment_neutral BETWEEN 0 AND 2880
        AND sentiment_positive BETWEEN 0 AND 2880) NOT VALID;

-- 2. Real contributors. Tokens are issued per device by the owner role, each for one
-- team; the database keeps only their SHA-256. The roster is each team's declared
-- size: enrolments beyond it are refused.
CREATE TABLE tally_private.rosters (
    team text PRIMARY KEY,
    size integer NOT NULL CHECK (size BETWEEN 1 AND 100000)
);

CREATE TABLE tally_private.enrol_tokens (
    token_id uuid PRIMARY KEY,
    team text NOT NULL,
    secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
    issued_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    used_by uuid,
    used_at timestamptz
);

ALTER TABLE tally_private.installs ADD COLUMN team text;
ALTER TABLE tally_private.installs ADD COLUMN token_id uuid;

-- The organisation-wide enrolment secret is gone; so are the installs it enrolled,
-- which belong to no team and must enrol again with a per-device token.
ALTER TABLE tally_private.settings ALTER COLUMN enrol_secret DROP NOT NULL;
UPDATE tally_private.settings SET enrol_secret = NULL;
UPDATE tally_private.installs SET revoked_at = now() WHERE team IS NULL AND revoked_at IS NULL;
DROP FUNCTION public.tally_enrol(uuid, bytea, bytea);

-- Release settings: ε per team-week, the grace after a week ends before its cells are
-- released, and the noise key (never readable by a login role).
ALTER TABLE tally_private.settings
    ADD COLUMN epsilon double precision NOT NULL DEFAULT 8 CHECK (epsilon > 0 AND epsilon <= 100),
    ADD COLUMN grace_days integer NOT NULL DEFAULT 2 CHECK (grace_days BETWEEN 0 AND 28),
    ADD COLUMN noise_key bytea NOT NULL DEFAULT public.gen_random_bytes(32) CHECK (length(noise_key) = 32),
    -- The Monday of the last week released (NULL: none yet).
    ADD COLUMN released_through date;

-- Registers an install's signing key with a per-device token (id and secret). The
-- token's team becomes the install's team for good. Enrolling again with the same id,
-- key and token is a no-op; a token whose install is still live, a revoked or unknown
-- token, a full roster, or an id enrolled with another key is refused.
CREATE FUNCTION public.tally_enrol(install uuid, key bytea, token uuid, token_secret bytea) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    t tally_private.enrol_tokens%ROWTYPE;
    existing tally_private.installs%ROWTYPE;
    roster integer;
    live integer;
BEGIN
    SELECT * INTO t FROM tally_private.enrol_tokens e WHERE e.token_id = token FOR UPDATE;
    IF NOT FOUND OR t.revoked_at IS NOT NULL OR token_secret IS NULL
       OR public.digest(token_secret, 'sha256') <> t.secret_sha256 THEN
        RAISE EXCEPTION 'enrolment refused: the token is unknown, revoked or wrong; ask IT for a new one'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    IF key IS NULL OR length(key) <> 32 THEN
        RAISE EXCEPTION 'enrolment refused: the signing key is not 32 bytes'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    SELECT * INTO existing FROM tally_private.installs i WHERE i.install_id = install;
    IF FOUND THEN
        IF existing.revoked_at IS NULL AND existing.signing_key = key AND existing.token_id = token THEN
            RETURN existing.team;
        END IF;
        RAISE EXCEPTION 'enrolment refused: this install id is revoked or enrolled with another key; enrol a new install id'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    IF t.used_by IS NOT NULL AND EXISTS (
        SELECT 1 FROM tally_private.installs i WHERE i.install_id = t.used_by AND i.revoked_at IS NULL) THEN
        RAISE EXCEPTION 'enrolment refused: this token already enrolled an install that is still live; each device needs its own token'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    SELECT r.size INTO roster FROM tally_private.rosters r WHERE r.team = t.team FOR UPDATE;
    SELECT count(*) INTO live FROM tally_private.installs i WHERE i.team = t.team AND i.revoked_at IS NULL;
    IF roster IS NULL THEN
        RAISE EXCEPTION 'enrolment refused: team % has no declared roster; IT declares it under [roster] in the policy', t.team
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    IF live >= roster THEN
        RAISE EXCEPTION 'enrolment refused: team % already has its declared roster of % installs', t.team, roster
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    INSERT INTO tally_private.installs (install_id, signing_key, team, token_id) VALUES (install, key, t.team, token);
    UPDATE tally_private.enrol_tokens SET used_by = install, used_at = now() WHERE token_id = token;
    RETURN t.team;
END
$$;

-- The logged-in install's team.
CREATE FUNCTION public.tally_current_team() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT i.team FROM tally_private.installs i WHERE i.install_id = public.tally_current_install()
$$;

-- What an employee may know about their own team: how many live installs are enrolled
-- in it, against its declared roster, so fake installs are visible to those they target.
CREATE FUNCTION public.tally_team_status() RETURNS TABLE (team text, enrolled integer, roster integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    mine text := public.tally_current_team();
BEGIN
    IF mine IS NULL THEN
        RAISE EXCEPTION 'team status refused: this session is not logged in as an install'
            USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    RETURN QUERY
    SELECT mine,
        (SELECT count(*)::integer FROM tally_private.installs i WHERE i.team = mine AND i.revoked_at IS NULL),
        (SELECT r.size FROM tally_private.rosters r WHERE r.team = mine);
END
$$;

-- Rows go in only under the install's own team.
DROP POLICY publisher_insert ON public.contributions;
CREATE POLICY publisher_insert ON public.contributions FOR INSERT TO tally_publisher
    WITH CHECK (
        install_id = public.tally_current_install()
        AND team = public.tally_current_team()
        AND public.tally_row_ok(install_id, day, team, category, active_seconds, focus_seconds, events,
            switches, sentiment_negative, sentiment_neutral, sentiment_positive, signature)
    );

-- A row counts, towards k and in the sums, only with at least 60 s of active time: an
-- all-zero row from an idle or fake install adds a contributor to nothing.
CREATE OR REPLACE FUNCTION tally_private.contributions_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    live uuid[];
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        live := tally_private.lock_live_installs(ARRAY(SELECT DISTINCT r.install_id FROM removed r));
        PERFORM tally_private.count_rows(ARRAY(SELECT r::public.contributions FROM removed r
            WHERE r.install_id = ANY (live) AND r.active_seconds >= 60), -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        -- The per-install daily caps over all of an install-day's rows. Only the
        -- inserting install's own rows are read, so the answer depends on nothing else.
        IF EXISTS (
            SELECT 1
            FROM public.contributions c
            JOIN (SELECT DISTINCT a.install_id, a.day FROM added a) a USING (install_id, day)
            GROUP BY c.install_id, c.day
            HAVING sum(c.active_seconds) > 43200 OR sum(c.events) > 2880 OR sum(c.switches) > 2880
                OR sum(c.sentiment_negative) > 2880 OR sum(c.sentiment_neutral) > 2880
                OR sum(c.sentiment_positive) > 2880
        ) THEN
            RAISE EXCEPTION 'contribution refused: one day''s rows exceed the per-install daily caps (active 43200 s, each count 2880)'
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (
            SELECT 1
            FROM public.contributions c
            JOIN (SELECT DISTINCT a.install_id, date_trunc('week', a.day::timestamp)::date AS week FROM added a) a
              ON a.install_id = c.install_id AND date_trunc('week', c.day::timestamp)::date = a.week
            GROUP BY c.install_id, a.week
            HAVING sum(c.active_seconds) > 180000
        ) THEN
            RAISE EXCEPTION 'contribution refused: one week''s rows exceed the per-install weekly cap (active 180000 s)'
                USING ERRCODE = 'check_violation';
        END IF;
        live := tally_private.lock_live_installs(ARRAY(SELECT DISTINCT a.install_id FROM added a));
        PERFORM tally_private.count_rows(ARRAY(SELECT a::public.contributions FROM added a
            WHERE a.install_id = ANY (live) AND a.active_seconds >= 60), 1);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION tally_private.install_changed() RETURNS trigger
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
        PERFORM tally_private.count_rows(ARRAY(SELECT c FROM public.contributions c
            WHERE c.install_id = OLD.install_id AND c.active_seconds >= 60), -1);
    END IF;
    IF is_live THEN
        PERFORM tally_private.count_rows(ARRAY(SELECT c FROM public.contributions c
            WHERE c.install_id = NEW.install_id AND c.active_seconds >= 60), 1);
    END IF;
    RETURN NULL;
END
$$;

-- 4. Release once, noise where no reader can bypass it.
--
-- Readers no longer query views: the exact aggregates stay private, and the only way
-- to team data is the functions below, which log every call.
DROP VIEW public.org_cells_day, public.org_cells_week, public.org_cells_month,
    public.team_cells_day, public.team_cells_week, public.team_cells_month;
DROP VIEW tally_private.overlap_days_extra, tally_private.overlap_periods, tally_private.overlap_days,
    tally_private.released_periods, tally_private.released_days;
REVOKE EXECUTE ON FUNCTION public.tally_audit(text, text) FROM tally_reader;
DROP FUNCTION public.tally_audit(text, text);

-- The team-week cells whose week starts in [lo, hi] (lo a Monday): exact sums of their
-- live rows and their distinct contributors. Reading only those weeks' day cells keeps
-- a report's cost to its range.
CREATE FUNCTION tally_private.week_cells_between(lo date, hi date)
RETURNS TABLE (week date, team text, category text, contributors integer, exact bigint[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT w.week, w.team, w.category,
        coalesce((SELECT sum(h.installs) FROM tally_private.period_masks h
                  WHERE h.kind = 'week' AND h.period_start = w.week AND h.team = w.team AND h.category = w.category), 0
        )::integer,
        w.exact
    FROM (
        SELECT date_trunc('week', d.day::timestamp)::date AS week, d.team, d.category,
            ARRAY[sum(d.active_seconds), sum(d.focus_seconds), sum(d.events), sum(d.switches),
                  sum(d.sentiment_negative), sum(d.sentiment_neutral), sum(d.sentiment_positive)]::bigint[] AS exact
        FROM tally_private.day_cells d
        WHERE d.day >= lo AND d.day < hi + 7
        GROUP BY 1, 2, 3
    ) w
$$;

-- Every team-week cell now (for the owner and the tests).
CREATE VIEW tally_private.week_cells AS
SELECT * FROM tally_private.week_cells_between('-infinity', 'infinity');

-- One row per team-week cell, written once, when the week is over plus the grace
-- days: its exact inputs (private) and its noised values. A cell is shown only while
-- its inputs are exactly those it was released with, so a late publish, a withdrawal
-- or a rotation hides it; it is never shown with a different value.
CREATE TABLE tally_private.releases (
    week date NOT NULL,
    team text NOT NULL,
    category text NOT NULL,
    released_at timestamptz NOT NULL DEFAULT now(),
    k integer NOT NULL,
    epsilon double precision NOT NULL,
    contributors integer NOT NULL,
    exact bigint[] NOT NULL,
    noised bigint[] NOT NULL,
    PRIMARY KEY (week, team, category)
);

-- Discrete Laplace (two-sided geometric) noise with scale `scale` (P(x) ∝ exp(-|x|/scale)),
-- from two uniforms taken from HMAC-SHA-256(noise key, label): the difference of two
-- geometric draws. The same label always gives the same draw.
CREATE FUNCTION tally_private.discrete_laplace(noise_key bytea, label text, scale double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT (floor(-ln(u1) * scale) - floor(-ln(u2) * scale))::bigint
    FROM (
        SELECT (('x' || encode(substr(h, 1, 7), 'hex'))::bit(56)::bigint::double precision + 0.5) / 72057594037927936.0 AS u1,
               (('x' || encode(substr(h, 8, 7), 'hex'))::bit(56)::bigint::double precision + 0.5) / 72057594037927936.0 AS u2
        FROM (SELECT public.hmac(convert_to(label, 'UTF8'), noise_key, 'sha256') AS h) m
    ) u
$$;

-- The noise scale of each measure for a team-week cell at `epsilon`: one install
-- changes a week cell's active and focus time by at most the weekly cap, its counts by
-- at most 7 × the daily cap; ε is split over the measures
-- (`rollup::release::EPSILON_SHARES`, basic composition).
CREATE FUNCTION tally_private.week_scales(epsilon double precision) RETURNS double precision[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY[180000 / (0.5 * epsilon), 180000 / (0.2 * epsilon), 7 * 2880 / (0.1 * epsilon),
                 7 * 2880 / (0.1 * epsilon), 7 * 2880 / (0.1 * epsilon / 3), 7 * 2880 / (0.1 * epsilon / 3),
                 7 * 2880 / (0.1 * epsilon / 3)]
$$;

-- Releases every team-week cell that is due: weeks after the last released one whose
-- end plus the grace days has passed. Each week is released once; a cell that first
-- appears in an already released week (a late publish) is never released.
CREATE FUNCTION tally_private.release_due() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    s tally_private.settings%ROWTYPE;
    due date;
BEGIN
    SELECT * INTO s FROM tally_private.settings FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    due := date_trunc('week', (current_date - 7 - s.grace_days)::timestamp)::date;
    IF s.released_through IS NOT NULL AND s.released_through >= due THEN
        RETURN;
    END IF;
    INSERT INTO tally_private.releases (week, team, category, k, epsilon, contributors, exact, noised)
    SELECT w.week, w.team, w.category, greatest(5, s.k), s.epsilon, w.contributors, w.exact,
        ARRAY(SELECT w.exact[i] + tally_private.discrete_laplace(s.noise_key,
                  concat_ws('|', 'tally-noise-v1', 'week', to_char(w.week, 'YYYY-MM-DD'), w.team, w.category, i),
                  (tally_private.week_scales(s.epsilon))[i])
              FROM generate_series(1, 7) AS i ORDER BY i)
    FROM tally_private.week_cells_between(coalesce(s.released_through + 7, '-infinity'), due) w
    WHERE w.contributors > 0
    ORDER BY w.week, w.team, w.category
    ON CONFLICT (week, team, category) DO NOTHING;
    UPDATE tally_private.settings SET released_through = due;
END
$$;

-- The one door to team data for readers. `scope` 'team' gives team cells, 'org' the
-- sum of the shown team cells (so no hidden team is in any total); `kind` 'week' or
-- 'month' (a month is the sum of the shown weeks that start in it; its contributors are
-- the most of any of those weeks, a lower bound). `purpose` is what the caller does
-- with it (view, report, export-csv, insight). Every call is written to the audit log
-- by the database itself, with the caller's login.
CREATE FUNCTION public.tally_released_cells(purpose text, scope text, kind text, first date, last date)
RETURNS TABLE (period_start date, team text, category text, contributors integer, epsilon double precision,
    epsilon_week double precision, active_seconds bigint, focus_seconds bigint, events bigint, switches bigint,
    sentiment_negative bigint, sentiment_neutral bigint, sentiment_positive bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    released bigint;
    lo date;
    k_now integer := (SELECT greatest(5, max(s.k)) FROM tally_private.settings s);
BEGIN
    IF purpose IS NULL OR purpose NOT IN ('view', 'report', 'export-csv', 'insight')
       OR scope IS NULL OR scope NOT IN ('team', 'org') OR kind IS NULL OR kind NOT IN ('week', 'month')
       OR first IS NULL OR last IS NULL THEN
        RAISE EXCEPTION 'released cells: purpose must be view, report, export-csv or insight; scope team or org; kind week or month; and both dates given'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM tally_private.release_due();
    -- The weeks that can fall in [first, last]: for months, from the Monday of the
    -- week holding the first month's first day.
    lo := date_trunc('week', (CASE kind WHEN 'week' THEN first ELSE date_trunc('month', first::timestamp)::date END)::timestamp)::date;
    RETURN QUERY
    WITH current_weeks AS (
        SELECT * FROM tally_private.week_cells_between(lo, last)
    ),
    shown AS (
        SELECT r.week, r.team, r.category, r.contributors, r.epsilon, r.noised
        FROM tally_private.releases r
        JOIN current_weeks w USING (week, team, category)
        WHERE r.week BETWEEN lo AND last
          AND r.contributors >= r.k AND r.contributors >= k_now
          AND w.contributors = r.contributors AND w.exact = r.exact
    ),
    cells AS (
        SELECT CASE kind WHEN 'week' THEN s.week ELSE date_trunc('month', s.week::timestamp)::date END AS p,
            CASE scope WHEN 'team' THEN s.team ELSE '' END AS t,
            s.category AS c, s.week, s.contributors AS n, s.epsilon AS e, s.noised AS v
        FROM shown s
    ),
    per_team_week AS (
        SELECT p, t, c, week, sum(n)::integer AS n, max(e) AS e,
            sum(v[1])::bigint AS v1, sum(v[2])::bigint AS v2, sum(v[3])::bigint AS v3, sum(v[4])::bigint AS v4,
            sum(v[5])::bigint AS v5, sum(v[6])::bigint AS v6, sum(v[7])::bigint AS v7
        FROM cells
        WHERE p BETWEEN first AND last
        GROUP BY p, t, c, week
    )
    SELECT p, t, c, max(n)::integer, sum(e)::double precision, max(e)::double precision,
        sum(v1)::bigint, sum(v2)::bigint, sum(v3)::bigint, sum(v4)::bigint,
        sum(v5)::bigint, sum(v6)::bigint, sum(v7)::bigint
    FROM per_team_week
    GROUP BY p, t, c
    ORDER BY p, t, c;
    GET DIAGNOSTICS released = ROW_COUNT;
    INSERT INTO tally_private.audit (role, action, detail)
    VALUES (session_user, purpose, format('%s %s %s..%s, %s cells', scope, kind, first, last, released));
END
$$;

REVOKE ALL ON FUNCTION public.tally_enrol(uuid, bytea, uuid, bytea), public.tally_current_team(),
    public.tally_team_status(), public.tally_released_cells(text, text, text, date, date),
    tally_private.discrete_laplace(bytea, text, double precision), tally_private.week_scales(double precision),
    tally_private.release_due(), tally_private.week_cells_between(date, date)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.tally_enrol(uuid, bytea, uuid, bytea), public.tally_current_team(),
    public.tally_team_status() TO tally_publisher;
GRANT EXECUTE ON FUNCTION public.tally_released_cells(text, text, text, date, date) TO tally_reader;
