-- Version 4: the reporting views read each value's definition from the indicator version
-- in force for its period, not from the indicator record, which holds only the newest
-- definition. A series kept in thousands of roubles until 2008 and in roubles from 2009
-- shows each year in its own unit, and a change dated from a later period does not show
-- up in today's figures.
--
-- `current_values` and `accepted_values` are replaced in place (CREATE OR REPLACE keeps
-- their existing columns in order and adds new ones at the end), so an analyst's own
-- views and grants over them survive the migration.

-- The first day of the period of `periodicity` (as the core names it: monthly,
-- quarterly, half_yearly, yearly) that contains `day`; null for another name.
CREATE FUNCTION period_start_containing(periodicity text, day date) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    -- make_date rather than date_trunc, which would go through timestamptz and so
    -- through the session's time zone.
    SELECT make_date(
        extract(year FROM day)::int,
        CASE periodicity
            WHEN 'monthly' THEN extract(month FROM day)::int
            WHEN 'quarterly' THEN (extract(month FROM day)::int - 1) / 3 * 3 + 1
            WHEN 'half_yearly' THEN (extract(month FROM day)::int - 1) / 6 * 6 + 1
            WHEN 'yearly' THEN 1
        END,
        1)
$$;

-- Every version of every indicator's definition (see the core's `IndicatorVersion`).
-- `effective_from` is null for a first definition, which applies to every period;
-- `retires` is true for the version that retires the indicator, whose definition
-- columns are null. Versions stored before the core kept the proposer and the reason of
-- the decision take them from their proposal, as the core's history does.
CREATE VIEW indicator_versions AS
SELECT
    v.b ->> 'code'                                  AS code,
    (v.b ->> 'number')::int                         AS number,
    v.b ->> 'effective_from'                        AS effective_from,
    period_first_day(v.b ->> 'effective_from')      AS effective_from_day,
    jsonb_typeof(v.b -> 'definition') IS DISTINCT FROM 'object' AS retires,
    v.d ->> 'name'                                  AS name,
    v.d ->> 'section'                               AS section,
    v.d -> 'unit' ->> 'name'                        AS unit,
    v.d -> 'unit' ->> 'okei'                        AS okei,
    v.d -> 'kind' ->> 'kind'                        AS value_kind,
    v.d ->> 'periodicity'                           AS periodicity,
    v.d ->> 'department'                            AS department_id,
    dep.body::jsonb ->> 'name'                      AS department,
    v.d ->> 'methodology'                           AS methodology,
    v.d ->> 'first_period'                          AS first_period,
    (v.b ->> 'recorded_at')::timestamptz            AS recorded_at,
    v.b ->> 'recorded_by'                           AS recorded_by,
    v.b ->> 'proposal'                              AS proposal,
    v.b ->> 'reason'                                AS reason,
    coalesce(v.b ->> 'proposed_by', p.body::jsonb ->> 'proposed_by') AS proposed_by,
    coalesce(v.b ->> 'decision_reason', p.body::jsonb ->> 'decision_reason') AS decision_reason
FROM (
    SELECT r.body::jsonb AS b, r.body::jsonb -> 'definition' AS d
    FROM records AS r
    WHERE r.kind = 'indicator_version'
) AS v
LEFT JOIN records AS dep ON dep.kind = 'department' AND dep.key = v.d ->> 'department'
LEFT JOIN records AS p ON p.kind = 'change_proposal' AND p.key = v.b ->> 'proposal';

-- The current value of every (indicator, period), with the definition in force for the
-- period: of the indicator's versions that start on or before the period's first day,
-- the one that starts latest, and of those the one recorded last (the rule of the
-- core's `CatalogHistory::version_for`).
--
-- Where that version retires the indicator, the value keeps the definition it was
-- entered under (the newest defining version before the retirement) and
-- `indicator_retired` is true. An indicator with no versions at all (defined before the
-- catalog kept versions) shows its record's definition.
--
-- The view reads the versions once per query and turns them into ranges of periods,
-- [start of a version, start of the next), so that each value finds its version by a
-- hash join on the code: a lookup of the versions per value took minutes for a region's
-- two million values. `OFFSET 0` keeps the values' subquery from being flattened into
-- the outer query, which would parse each value's JSON once per column instead of once.
CREATE OR REPLACE VIEW current_values AS
WITH versions AS (
    SELECT
        x.b ->> 'code'                               AS code,
        period_first_day(x.b ->> 'effective_from')   AS starts,
        (x.b ->> 'number')::int                      AS number,
        jsonb_typeof(x.b -> 'definition') = 'object' AS defines,
        x.b -> 'definition'                          AS def
    FROM records AS r
    CROSS JOIN LATERAL (SELECT r.body::jsonb AS b) AS x
    WHERE r.kind = 'indicator_version'
),
-- Whatever version is in force, retirements included: per start the one recorded last.
in_force AS (
    SELECT code, starts, NOT defines AS retires,
           lead(starts) OVER (PARTITION BY code ORDER BY starts NULLS FIRST) AS ends
    FROM (
        SELECT DISTINCT ON (code, starts) code, starts, defines
        FROM versions
        ORDER BY code, starts NULLS FIRST, number DESC
    ) AS latest
),
-- The versions that define the indicator, so that a retired period keeps the last one.
defining AS (
    SELECT code, starts, number, def,
           lead(starts) OVER (PARTITION BY code ORDER BY starts NULLS FIRST) AS ends
    FROM (
        SELECT DISTINCT ON (code, starts) code, starts, number, def
        FROM versions
        WHERE defines
        ORDER BY code, starts NULLS FIRST, number DESC
    ) AS latest
)
SELECT
    v.b ->> 'indicator'                              AS indicator_code,
    d.def ->> 'name'                                 AS indicator_name,
    d.def ->> 'section'                              AS section,
    d.def -> 'unit' ->> 'name'                       AS unit,
    d.def -> 'unit' ->> 'okei'                       AS okei,
    v.b ->> 'period'                                 AS period,
    vp.starts                                        AS period_start,
    period_last_day(v.b ->> 'period')                AS period_end,
    v.b ->> 'status'                                 AS status,
    CASE WHEN v.b -> 'entry' ->> 'entry' = 'amount'
         THEN (v.b -> 'entry' ->> 'amount')::numeric END AS value,
    CASE WHEN v.b -> 'entry' ->> 'entry' = 'not_applicable'
         THEN v.b -> 'entry' ->> 'reason' END        AS not_applicable_reason,
    v.b ->> 'department'                             AS department_id,
    dep.body::jsonb ->> 'name'                       AS department,
    (v.b ->> 'submitted_at')::timestamptz            AS submitted_at,
    (v.b ->> 'first_submitted_at')::timestamptz      AS first_submitted_at,
    (v.b ->> 'reviewed_at')::timestamptz             AS reviewed_at,
    (v.b ->> 'updated_at')::timestamptz              AS updated_at,
    v.b ->> 'return_reason'                          AS return_reason,
    (v.b ->> 'times_returned')::int                  AS times_returned,
    v.version                                        AS version,
    dv.number                                        AS indicator_version,
    coalesce(f.retires, false)                       AS indicator_retired
FROM (
    SELECT r.key, r.version, r.body::jsonb AS b
    FROM records AS r
    WHERE r.kind = 'value'
    OFFSET 0
) AS v
CROSS JOIN LATERAL (
    SELECT v.b ->> 'indicator' AS code, period_first_day(v.b ->> 'period') AS starts
) AS vp
LEFT JOIN in_force AS f
       ON f.code = vp.code
      AND (f.starts IS NULL OR f.starts <= vp.starts)
      AND (f.ends IS NULL OR vp.starts < f.ends)
LEFT JOIN defining AS dv
       ON dv.code = vp.code
      AND (dv.starts IS NULL OR dv.starts <= vp.starts)
      AND (dv.ends IS NULL OR vp.starts < dv.ends)
LEFT JOIN records AS i ON i.kind = 'indicator' AND i.key = vp.code
CROSS JOIN LATERAL (SELECT coalesce(dv.def, i.body::jsonb) AS def) AS d
LEFT JOIN records AS dep ON dep.kind = 'department' AND dep.key = v.b ->> 'department';

-- `SELECT *` was expanded when the view was made; replacing it picks up the new columns.
CREATE OR REPLACE VIEW accepted_values AS
SELECT * FROM current_values WHERE status = 'accepted';

-- The newest definition of every indicator, as before, and from when it is retired. The
-- core marks a retired indicator's record with `retired_from` (its definition stays the
-- last one in force); a record retired before the core marked records has no mark, and
-- then, as in the core's `catalog_entry`, the history says: the start of the retirement
-- that ends the indicator's versions ordered by (start, number). A change dated from a
-- later period already shows here; the catalog in force today is `catalog_in_force`.
CREATE OR REPLACE VIEW indicators AS
SELECT
    i.key                                AS code,
    b ->> 'name'                         AS name,
    b ->> 'section'                      AS section,
    b -> 'unit' ->> 'name'               AS unit,
    b -> 'unit' ->> 'okei'               AS okei,
    b -> 'kind' ->> 'kind'               AS value_kind,
    b ->> 'periodicity'                  AS periodicity,
    b ->> 'department'                   AS department_id,
    d.body::jsonb ->> 'name'             AS department,
    b ->> 'methodology'                  AS methodology,
    coalesce(b ->> 'retired_from', history.retired_from) AS retired_from
FROM records AS i
CROSS JOIN LATERAL (SELECT i.body::jsonb AS b) AS body
LEFT JOIN records AS d ON d.kind = 'department' AND d.key = b ->> 'department'
CROSS JOIN LATERAL (
    SELECT
        -- The earliest of the retirements after the last defining version.
        (array_agg(z.effective_from ORDER BY z.position)
            FILTER (WHERE z.retires AND z.position > coalesce(z.last_defining, 0)))[1]
            AS retired_from
    FROM (
        SELECT y.*, max(y.position) FILTER (WHERE NOT y.retires) OVER () AS last_defining
        FROM (
            SELECT
                x.b ->> 'effective_from' AS effective_from,
                jsonb_typeof(x.b -> 'definition') IS DISTINCT FROM 'object' AS retires,
                row_number() OVER (
                    ORDER BY period_first_day(x.b ->> 'effective_from') NULLS FIRST,
                             (x.b ->> 'number')::int
                ) AS position
            FROM (
                SELECT r.body::jsonb AS b
                FROM records AS r
                WHERE r.kind = 'indicator_version'
                  AND r.key >= i.key || '|' COLLATE "C"
                  AND r.key < i.key || '}' COLLATE "C"
            ) AS x
        ) AS y
    ) AS z
) AS history
WHERE i.kind = 'indicator';

-- The catalog in force today, as the core's `CatalogHistory::catalog_on` finds it (what
-- `Passport::catalog_as_of` answers for now): for
-- each periodicity an indicator has had, the period of that periodicity containing today
-- and the version in force for it; of those versions whose definition has that
-- periodicity, the newest. An indicator whose version in force is a retirement is left
-- out; one retired from a later period is still in. "Today" is `current_date`, the day
-- in the session's TimeZone setting. Indicators with no versions at all (defined before
-- the catalog kept versions) come from their records.
CREATE VIEW catalog_in_force AS
WITH periods AS (
    SELECT DISTINCT iv.code, iv.periodicity,
           period_start_containing(iv.periodicity, current_date) AS day
    FROM indicator_versions AS iv
    WHERE NOT iv.retires
),
in_force AS (
    SELECT DISTINCT ON (p.code, p.periodicity) p.periodicity AS wanted, iv.*
    FROM periods AS p
    JOIN indicator_versions AS iv
      ON iv.code = p.code AND coalesce(iv.effective_from_day <= p.day, true)
    ORDER BY p.code, p.periodicity, iv.effective_from_day DESC NULLS LAST, iv.number DESC
),
newest AS (
    SELECT DISTINCT ON (f.code) f.*
    FROM in_force AS f
    WHERE NOT f.retires AND f.periodicity = f.wanted
    ORDER BY f.code, f.effective_from_day DESC NULLS LAST, f.number DESC
)
SELECT
    n.code, n.name, n.section, n.unit, n.okei, n.value_kind, n.periodicity,
    n.department_id, n.department, n.methodology, n.first_period,
    n.number AS version, n.effective_from
FROM newest AS n
UNION ALL
SELECT
    i.code, i.name, i.section, i.unit, i.okei, i.value_kind, i.periodicity,
    i.department_id, i.department, i.methodology, r.body::jsonb ->> 'first_period',
    NULL::int, NULL::text
FROM indicators AS i
JOIN records AS r ON r.kind = 'indicator' AND r.key = i.code
WHERE coalesce(period_first_day(i.retired_from) > current_date, true)
  AND NOT EXISTS (
      SELECT 1 FROM records AS x
      WHERE x.kind = 'indicator_version'
        AND x.key >= i.code || '|' COLLATE "C"
        AND x.key < i.code || '}' COLLATE "C"
  );
