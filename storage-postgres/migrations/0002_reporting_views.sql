-- Version 2: read-only views for analysts and BI tools, over the JSON bodies the core
-- writes. They read the core's serde shapes of `Indicator`, `Department` and `Value`;
-- a change of those shapes comes with a migration that replaces the views.

-- The first and last day of a period written as 2026-M07, 2026-Q3, 2026-H2 or 2026;
-- null for anything else. Each function uses only built-ins, so it works whatever the
-- caller's search_path (a $$ body is resolved when called, not when created).
CREATE FUNCTION period_first_day(period text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE
        WHEN period ~ '^\d{4}-M(0[1-9]|1[0-2])$'
            THEN make_date(left(period, 4)::int, substr(period, 7, 2)::int, 1)
        WHEN period ~ '^\d{4}-Q[1-4]$'
            THEN make_date(left(period, 4)::int, substr(period, 7, 1)::int * 3 - 2, 1)
        WHEN period ~ '^\d{4}-H[12]$'
            THEN make_date(left(period, 4)::int, substr(period, 7, 1)::int * 6 - 5, 1)
        WHEN period ~ '^\d{4}$'
            THEN make_date(period::int, 1, 1)
    END
$$;

CREATE FUNCTION period_last_day(period text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE
        WHEN period ~ '^\d{4}-M(0[1-9]|1[0-2])$'
            THEN (make_date(left(period, 4)::int, substr(period, 7, 2)::int, 1)
                  + interval '1 month')::date - 1
        WHEN period ~ '^\d{4}-Q[1-4]$'
            THEN (make_date(left(period, 4)::int, substr(period, 7, 1)::int * 3 - 2, 1)
                  + interval '3 months')::date - 1
        WHEN period ~ '^\d{4}-H[12]$'
            THEN (make_date(left(period, 4)::int, substr(period, 7, 1)::int * 6 - 5, 1)
                  + interval '6 months')::date - 1
        WHEN period ~ '^\d{4}$'
            THEN make_date(period::int, 12, 31)
    END
$$;

-- The catalog: one row per indicator.
CREATE VIEW indicators AS
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
    b ->> 'methodology'                  AS methodology
FROM records AS i
CROSS JOIN LATERAL (SELECT i.body::jsonb AS b) AS body
LEFT JOIN records AS d ON d.kind = 'department' AND d.key = b ->> 'department'
WHERE i.kind = 'indicator';

-- The current value of every (indicator, period) that has one, in any status, with
-- what an analyst needs to read it. `value` is null where the entry is "not
-- applicable"; `not_applicable_reason` says why.
CREATE VIEW current_values AS
SELECT
    v.b ->> 'indicator'                              AS indicator_code,
    i.b ->> 'name'                                   AS indicator_name,
    i.b ->> 'section'                                AS section,
    i.b -> 'unit' ->> 'name'                         AS unit,
    i.b -> 'unit' ->> 'okei'                         AS okei,
    v.b ->> 'period'                                 AS period,
    period_first_day(v.b ->> 'period')               AS period_start,
    period_last_day(v.b ->> 'period')                AS period_end,
    v.b ->> 'status'                                 AS status,
    CASE WHEN v.b -> 'entry' ->> 'entry' = 'amount'
         THEN (v.b -> 'entry' ->> 'amount')::numeric END AS value,
    CASE WHEN v.b -> 'entry' ->> 'entry' = 'not_applicable'
         THEN v.b -> 'entry' ->> 'reason' END        AS not_applicable_reason,
    v.b ->> 'department'                             AS department_id,
    d.body::jsonb ->> 'name'                         AS department,
    (v.b ->> 'submitted_at')::timestamptz            AS submitted_at,
    (v.b ->> 'first_submitted_at')::timestamptz      AS first_submitted_at,
    (v.b ->> 'reviewed_at')::timestamptz             AS reviewed_at,
    (v.b ->> 'updated_at')::timestamptz              AS updated_at,
    v.b ->> 'return_reason'                          AS return_reason,
    (v.b ->> 'times_returned')::int                  AS times_returned,
    v.version                                        AS version
FROM (SELECT r.key, r.version, r.body::jsonb AS b FROM records AS r WHERE r.kind = 'value') AS v
LEFT JOIN (SELECT r.key, r.body::jsonb AS b FROM records AS r WHERE r.kind = 'indicator') AS i
       ON i.key = v.b ->> 'indicator'
LEFT JOIN records AS d ON d.kind = 'department' AND d.key = v.b ->> 'department';

-- Only what a controller has accepted: the figures to publish.
CREATE VIEW accepted_values AS
SELECT * FROM current_values WHERE status = 'accepted';
