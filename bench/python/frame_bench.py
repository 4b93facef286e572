"""The Python part of the benchmark (issue 10): values into a pandas DataFrame through
the package, against what an analyst would do without it.

Run by ``citypassport-bench`` with the interpreter given to ``--python``; prints a JSON
list of timings on stdout. For each store given:

- sled: ``Session.values_frame`` of the first ``--rows`` values, against
  ``pandas.read_csv`` of the same values written to a CSV file;
- PostgreSQL: ``Session.values_frame`` against ``pandas.read_sql`` of the same rows of
  the backend's reporting view ``current_values`` through psycopg.

Each figure is the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from typing import Any, Callable, Dict, List

import pandas as pd

import citypassport

PASSWORD = "a long enough benchmark password"
VIEWER = "viewer@city.example"


def median_seconds(repeat: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def on_sled(args: argparse.Namespace) -> Dict[str, Any]:
    with citypassport.Passport.open_sled(args.sled) as passport:
        with passport.login(VIEWER, PASSWORD) as session:
            frame = session.values_frame(limit=args.rows)
            package = median_seconds(args.repeat, lambda: session.values_frame(limit=args.rows))
    frame.to_csv(args.csv, index=False)
    baseline = median_seconds(args.repeat, lambda: pd.read_csv(args.csv))
    return {
        "backend": "sled",
        "rows": len(frame),
        "package": package,
        "baseline": "read_csv",
        "baseline_seconds": baseline,
    }


def on_postgres(args: argparse.Namespace) -> Dict[str, Any]:
    import psycopg

    with citypassport.Passport.connect_postgres(
        args.postgres_url, schema=args.postgres_schema
    ) as passport:
        with passport.login(VIEWER, PASSWORD) as session:
            frame = session.values_frame(limit=args.rows)
            package = median_seconds(args.repeat, lambda: session.values_frame(limit=args.rows))
    last = (str(frame["indicator"].iloc[-1]), str(frame["period"].iloc[-1]))

    # The same rows from the reporting view: values sort by (indicator, period) as
    # bytes, and the throwaway server's collation is C, so the row comparison picks them.
    query = (
        "SELECT indicator_code, period, value, not_applicable_reason, status, department_id,"
        " updated_at, first_submitted_at, times_returned"
        f" FROM {args.postgres_schema}.current_values"
        " WHERE (indicator_code, period) <= (%s, %s)"
    )
    with psycopg.connect(args.postgres_url) as connection:
        with warnings.catch_warnings():
            # pandas asks for SQLAlchemy but reads through a DBAPI connection as well.
            warnings.simplefilter("ignore", UserWarning)
            rows = len(pd.read_sql(query, connection, params=last))
            baseline = median_seconds(
                args.repeat, lambda: pd.read_sql(query, connection, params=last)
            )
    if rows != len(frame):
        raise SystemExit(f"read_sql found {rows} rows, the package {len(frame)}")
    return {
        "backend": "postgres",
        "rows": len(frame),
        "package": package,
        "baseline": "read_sql",
        "baseline_seconds": baseline,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--sled")
    parser.add_argument("--postgres-url")
    parser.add_argument("--postgres-schema")
    args = parser.parse_args()

    timings: List[Dict[str, Any]] = []
    if args.sled:
        timings.append(on_sled(args))
    if args.postgres_url:
        timings.append(on_postgres(args))
    json.dump(timings, sys.stdout)


if __name__ == "__main__":
    main()
