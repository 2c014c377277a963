"""Insights benchmark on PostgreSQL: 1,000,000 cases over two years (a benchmark, not a test).

1. Creates a fresh database `wenzheng_bench_insights`, migrates it and loads the demo city.
2. Inserts `--cases` (default 1,000,000) cases received over the last two years with SQL, with
   what the figures read in realistic proportions: dispatch to the departments of the dispatch
   catalogue, signing (some late), replies (some late, some still open), redos with their two
   evaluations, evaluations, extensions granted and denied, returns accepted and rejected, spam
   and merged duplicates, repeat writers, supervision notices for late cases, replies and the
   audit rows of every step. Then builds the roll-ups (`refresh_rollups --rebuild`).
3. Serves the pages the way production does (granian WSGI workers, production settings, psycopg
   pool) and requests, signed in as the demo leader, the dashboard for several months and years
   (p50/p95 over repeated requests of the whole page) and the performance API.
4. Times `manage.py weekly_report` (and `--month`) as a process, wall clock.
5. Applies a batch of changes (new cases, signatures, replies, evaluations, with their audit
   rows) and times `manage.py refresh_rollups`.
6. Checks that the roll-ups give the same figures as the direct aggregates over the cases for a
   month and a year (and times the direct aggregates), and lists the slowest queries of the
   year dashboard (in process).
7. Runs `bench/grouping_bench.py` (hot-issue grouping) if it exists and merges its last line.
The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import time

from benchdb import (
    PG,
    PY,
    ROOT,
    manage,
    production_env,
    recreate_database,
    timed_manage,
    wsgi_server,
)

DB_NAME = "wenzheng_bench_insights"
GROUPING_KEYS = (
    "group_incremental_ms",
    "regroup_100k_seconds",
    "regroup_peak_mb",
    "grouping_pair_precision",
    "grouping_pair_recall",
)


def connect():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(f"{PG}/{DB_NAME}", autocommit=True)


# --- filling ------------------------------------------------------------------------------------

# Deterministic draws in [0, 1) per case number and purpose, so every table derives the same
# fate for a case without storing it.
SETUP_SQL = """
CREATE OR REPLACE FUNCTION bench_r(i bigint, salt int) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT (hashint8(i * 64 + salt)::bigint + 2147483648) / 4294967296.0 $$;
DROP TABLE IF EXISTS bench_route;
CREATE TABLE bench_route (
  idx int PRIMARY KEY, category_id bigint, district_id bigint, department_id bigint,
  other_department_id bigint
);
"""

# One row per case number with everything derived from its draws; `:now` is the fill's moment.
# Case numbers follow the time received (ids grow with time, as in a real database).
CASES_CTE = """
WITH s AS (
  SELECT i, ro.category_id, ro.district_id, ro.department_id, ro.other_department_id,
    TIMESTAMPTZ :now - (1 - (i - bench_r(i, 1)) / :total) * interval '730 days' AS t,
    bench_r(i, 3) AS r_kind, bench_r(i, 4) AS r_phone, bench_r(i, 5) AS r_fate,
    bench_r(i, 6) AS r_sign, bench_r(i, 7) AS r_reply, bench_r(i, 8) AS r_eval,
    bench_r(i, 9) AS r_ext, bench_r(i, 10) AS r_ret, bench_r(i, 11) AS r_redo,
    bench_r(i, 12) AS r_open
  FROM generate_series(:first, :last) AS i
  JOIN bench_route ro ON ro.idx = floor(power(bench_r(i, 2), 1.7) * :routes)::int
), k AS (
  SELECT s.*,
    CASE WHEN r_kind < .35 THEN 'consultation' WHEN r_kind < .65 THEN 'complaint'
         WHEN r_kind < .80 THEN 'help' WHEN r_kind < .92 THEN 'suggestion' ELSE 'report' END
      AS kind,
    CASE WHEN r_fate < .010 THEN 'invalid' WHEN r_fate < .015 THEN 'merged'
         WHEN t > TIMESTAMPTZ :now - interval '3 hours' AND r_fate < .3 THEN 'queued'
         ELSE 'ok' END AS fate,
    CASE WHEN r_ext < .03 THEN 5 ELSE 0 END AS ext
  FROM s
), d AS (
  SELECT k.*,
    CASE WHEN kind IN ('consultation', 'help') THEN 3 ELSE 13 END AS limit_days,
    t + (10 + 240 * r_sign) * interval '1 minute' AS dispatched
  FROM k
), e AS (
  SELECT d.*,
    date_trunc('day', dispatched) + interval '2 days' AS sign_deadline,
    date_trunc('day', dispatched) + interval '1 day'
      + (limit_days + ext) * 1.4 * interval '1 day' AS reply_deadline,
    dispatched + CASE WHEN r_sign < .92 THEN r_sign * 0.9 ELSE 1 + (r_sign - .92) * 30 END
      * interval '1 day' AS signed_cand
  FROM d
), f AS (
  SELECT e.*,
    signed_cand + (0.05 + power(r_reply, 2) * 1.25) * (limit_days + ext) * 1.4
      * interval '1 day' AS reply_cand
  FROM e
), g AS (
  SELECT f.*,
    CASE fate WHEN 'invalid' THEN 'invalid' WHEN 'merged' THEN 'merged'
      WHEN 'queued' THEN 'submitted'
      ELSE CASE
        WHEN signed_cand > TIMESTAMPTZ :now THEN 'dispatched'
        WHEN reply_cand > TIMESTAMPTZ :now THEN
          CASE WHEN r_open < .10 THEN 'awaiting_citizen' WHEN r_open < .20 THEN 'reply_drafted'
               WHEN r_open < .25 THEN 'reply_approved' ELSE 'handling' END
        WHEN reply_cand > TIMESTAMPTZ :now - interval '7 days' AND r_eval < .5 THEN 'replied'
        ELSE 'closed' END
    END AS status
  FROM f
)
"""

FILL_CASES_SQL = (
    CASES_CTE
    + """
INSERT INTO interaction_case (
  tracking_no, access_token, contact_name, contact_phone, kind, urgency, subject, body, address,
  district_id, allow_publish, keep_identity_secret, status, category_id, lead_department_id,
  suggestions, auto_dispatched, category_confirmed, routing_note, model_version, stage_no,
  dispatched_at, clock_started_at, limit_days, extension_days, paused_days, sign_deadline,
  reply_deadline, warn_at, notice_at, criticism_at, calendar_unofficial, supervision_level,
  return_count, redo_count, is_problem, signed_at, replied_at, closed_at, closure_reason,
  is_published, created_at, updated_at :extra_columns
)
SELECT
  'I' || lpad(i::text, 9, '0'), md5(i::text), '',
  CASE WHEN r_phone < .05 THEN '1370' || lpad(floor(r_phone * 40000)::text, 7, '0')
       ELSE '139' || lpad(floor(r_phone * 400000)::text, 8, '0') END,
  kind, 'normal', '基准测试', '基准测试工单', '', district_id, true, false, status,
  CASE WHEN fate = 'queued' THEN NULL ELSE category_id END,
  CASE WHEN fate = 'ok' THEN department_id END,
  '[]', false, fate <> 'queued', '', '',
  CASE WHEN status IN ('replied', 'closed') AND r_redo < .04 THEN 2 ELSE 1 END,
  CASE WHEN fate = 'ok' THEN dispatched END, CASE WHEN fate = 'ok' THEN dispatched END,
  limit_days, CASE WHEN fate = 'ok' THEN ext ELSE 0 END, 0,
  CASE WHEN fate = 'ok' THEN sign_deadline END, CASE WHEN fate = 'ok' THEN reply_deadline END,
  CASE WHEN fate = 'ok' THEN reply_deadline - interval '2 days' END,
  CASE WHEN fate = 'ok' THEN reply_deadline + interval '1 day' END,
  CASE WHEN fate = 'ok' THEN reply_deadline + interval '6 days' END,
  false, 0,
  CASE WHEN fate = 'ok' AND r_ret < .04 THEN 1 ELSE 0 END,
  CASE WHEN status IN ('replied', 'closed') AND r_redo < .04 THEN 1 ELSE 0 END,
  false,
  CASE WHEN fate = 'ok' AND signed_cand <= TIMESTAMPTZ :now THEN signed_cand END,
  CASE WHEN status IN ('replied', 'closed') THEN reply_cand END,
  CASE WHEN status = 'closed'
         THEN LEAST(TIMESTAMPTZ :now, reply_cand + (0.5 + r_eval * 6) * interval '1 day')
       WHEN status IN ('invalid', 'merged') THEN t + interval '1 hour' END,
  CASE WHEN status = 'invalid' THEN '内容与政务无关' ELSE '' END,
  false, t, t :extra_values
FROM g
"""
)

# Children of the cases of one chunk: evaluations, extensions, returns, notices, replies, audit.
CHUNK_CASES = """
WITH c AS (
  SELECT c.*, substr(c.tracking_no, 2)::bigint AS i
  FROM interaction_case c
  WHERE c.tracking_no BETWEEN 'I' || lpad(:first::text, 9, '0') AND 'I' || lpad(:last::text, 9, '0')
)
"""

CHILD_SQL = [
    # The final evaluation of most closed cases; the unsatisfied one before each redo.
    CHUNK_CASES
    + """
INSERT INTO interaction_evaluation (case_id, stage_no, attitude, result, solved, comment, created_at)
SELECT id, stage_no,
  CASE WHEN bench_r(i, 13) < .78 THEN 'satisfied' WHEN bench_r(i, 13) < .93 THEN 'basically'
       ELSE 'unsatisfied' END,
  CASE WHEN bench_r(i, 14) < .70 THEN 'satisfied' WHEN bench_r(i, 14) < .88 THEN 'basically'
       ELSE 'unsatisfied' END,
  bench_r(i, 15) < .8, '', closed_at
FROM c WHERE status = 'closed' AND bench_r(i, 8) < .65
UNION ALL
SELECT id, 1, 'basically', 'unsatisfied', false, '', replied_at - interval '3 days'
FROM c WHERE redo_count > 0
""",
    CHUNK_CASES
    + """
INSERT INTO interaction_extensionrequest (case_id, stage_no, department_id, days_requested,
  reason, requested_by_id, decision, days_granted, decided_by_id, decision_note, created_at,
  decided_at)
SELECT id, 1, lead_department_id, 5, '需要协调', :user,
  CASE WHEN extension_days > 0 THEN 'granted' ELSE 'denied' END,
  CASE WHEN extension_days > 0 THEN 5 ELSE 0 END, :user, '',
  dispatched_at + interval '2 days', dispatched_at + interval '3 days'
FROM c WHERE lead_department_id IS NOT NULL AND bench_r(i, 9) < .04
""",
    CHUNK_CASES
    + """
INSERT INTO interaction_returnrequest (case_id, department_id, reason_code, reason_text,
  requested_by_id, decision, decided_by_id, decision_note, created_at, decided_at)
SELECT c.id,
  CASE WHEN bench_r(i, 10) < .028 THEN ro.other_department_id ELSE c.lead_department_id END,
  'function', '不属于本单位职责', :user,
  CASE WHEN bench_r(i, 10) < .028 THEN 'accepted' ELSE 'rejected' END, :user, '',
  c.dispatched_at + interval '4 hours', c.dispatched_at + interval '6 hours'
FROM c JOIN bench_route ro ON ro.idx = floor(power(bench_r(c.i, 2), 1.7) * :routes)::int
WHERE c.return_count > 0
""",
    CHUNK_CASES
    + """
INSERT INTO interaction_supervisionnotice (case_id, stage_no, level, department_id, document_no,
  deadline, created_at)
SELECT id, stage_no, 3, lead_department_id, '督办〔' || i || '〕号', reply_deadline,
  reply_deadline + interval '1 day'
FROM c WHERE lead_department_id IS NOT NULL AND reply_deadline + interval '1 day' < TIMESTAMPTZ :now
  AND (replied_at > reply_deadline OR (replied_at IS NULL AND status NOT IN ('closed', 'invalid', 'merged')))
""",
    CHUNK_CASES
    + """
INSERT INTO interaction_reply (case_id, stage_no, body, state, department_id, author_id, note,
  created_at, published_at :extra_columns)
SELECT id, stage_no, '已安排处理，感谢您的来信。', 'published', lead_department_id, :user, '',
  replied_at - interval '1 day', replied_at :extra_values
FROM c WHERE replied_at IS NOT NULL
""",
    CHUNK_CASES
    + """
INSERT INTO interaction_caseevent (case_id, action, from_status, to_status, actor_id,
  actor_role, department_id, reason, data, is_public, created_at)
SELECT id, 'submitted', '', 'submitted', NULL::bigint, 'citizen', NULL::bigint, '', '{}'::jsonb,
  true, created_at
FROM c
UNION ALL
SELECT id, 'dispatch', 'submitted', 'dispatched', NULL, 'dispatcher', lead_department_id, '',
  '{}', true, dispatched_at FROM c WHERE dispatched_at IS NOT NULL
UNION ALL
SELECT id, 'sign', 'dispatched', 'signed', NULL, 'liaison', lead_department_id, '', '{}', true,
  signed_at FROM c WHERE signed_at IS NOT NULL
UNION ALL
SELECT id, 'publish_reply', 'reply_approved', 'replied', NULL, 'dispatcher', lead_department_id,
  '', '{}', true, replied_at FROM c WHERE replied_at IS NOT NULL
UNION ALL
SELECT id, 'evaluate', 'replied', 'closed', NULL, 'citizen', lead_department_id, '', '{}', true,
  closed_at FROM c WHERE status = 'closed'
UNION ALL
SELECT id, CASE status WHEN 'invalid' THEN 'close_invalid' ELSE 'merge' END, 'submitted',
  status, NULL, 'dispatcher', NULL, '', '{}', true, closed_at
FROM c WHERE status IN ('invalid', 'merged')
""",
]


def extra_columns(conn, table: str, given: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Columns of `table` that other features added (NOT NULL, no default, not in `given`),
    with a neutral value each, so the fill keeps working as the schema grows."""
    listed = set(re.findall(r"[a-z_]+", given.split(")")[0]))
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL",
        (table,),
    ).fetchall()
    neutral = {
        "boolean": "false",
        "integer": "0",
        "smallint": "0",
        "bigint": "0",
        "double precision": "0",
        "jsonb": "'{}'",
        "text": "''",
        "character varying": "''",
        "timestamp with time zone": "now()",
        "date": "current_date",
    }
    names, values = [], []
    for name, data_type in rows:
        if name in listed or name == "id":
            continue
        names.append(name)
        values.append(neutral.get(data_type, "DEFAULT"))
    if not names:
        return "", ""
    return ", " + ", ".join(names), ", " + ", ".join(values)


def build_routes(conn) -> int:  # type: ignore[no-untyped-def]
    """(leaf category, district) -> department as the dispatch catalogue routes them."""
    categories = conn.execute(
        "SELECT id, parent_id FROM organisation_category WHERE parent_id IS NOT NULL ORDER BY id"
    ).fetchall()
    districts = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM organisation_jurisdiction WHERE level = 'district' ORDER BY id"
        )
    ]
    rules = {
        (c, j): d
        for c, j, d in conn.execute(
            "SELECT category_id, jurisdiction_id, department_id FROM organisation_dispatchrule"
        )
    }
    departments = [r[0] for r in conn.execute("SELECT id FROM organisation_department ORDER BY id")]
    routes = []
    for category, parent in categories:
        for district in [*districts, None]:
            department = (
                rules.get((category, district))
                or rules.get((category, None))
                or rules.get((parent, district))
                or rules.get((parent, None))
            )
            if department is None:
                continue
            other = next(d for d in departments if d != department)
            routes.append((category, district, department, other))
    # A stable shuffle: the popular routes (low indexes) are spread over categories.
    routes.sort(key=lambda r: hash((r[0] * 7919 + (r[1] or 0) * 104729) % 1000003))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO bench_route VALUES (%s, %s, %s, %s, %s)",
            [(i, *r) for i, r in enumerate(routes)],
        )
    return len(routes)


def fill(total: int, now: dt.datetime) -> dict[str, float]:
    started = time.perf_counter()
    with connect() as conn:
        conn.execute(SETUP_SQL)
        routes = build_routes(conn)
        user = conn.execute("SELECT id FROM accounts_user WHERE username = 'liaison'").fetchone()[0]
        extra = {
            "cases": extra_columns(
                conn, "interaction_case", FILL_CASES_SQL.split("INSERT INTO interaction_case (")[1]
            ),
            "reply": extra_columns(
                conn,
                "interaction_reply",
                "case_id, stage_no, body, state, department_id, author_id, note, created_at, "
                "published_at, approved_by_id, reviewed_by_id",
            ),
        }
        step = 50_000
        for first in range(1, total + 1, step):
            last = min(total, first + step - 1)
            params = {
                ":now": f"'{now.isoformat()}'",
                ":first": str(first),
                ":last": str(last),
                ":routes": str(routes),
                ":user": str(user),
                ":total": f"{total}.0",
            }

            def sql(text: str, columns: tuple[str, str], params: dict[str, str] = params) -> str:
                text = text.replace(":extra_columns", columns[0]).replace(
                    ":extra_values", columns[1]
                )
                for key, value in params.items():
                    text = text.replace(key, value)
                return text

            conn.execute(sql(FILL_CASES_SQL, extra["cases"]))
            for child in CHILD_SQL:
                conn.execute(
                    sql(child, extra["reply"] if "interaction_reply" in child else ("", ""))
                )
            print(f"  {last} cases", end="\r", flush=True)
        conn.execute("ANALYZE")
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (
                "interaction_case",
                "interaction_evaluation",
                "interaction_extensionrequest",
                "interaction_returnrequest",
                "interaction_supervisionnotice",
                "interaction_reply",
                "interaction_caseevent",
            )
        }
        statuses = conn.execute(
            "SELECT status, count(*) FROM interaction_case GROUP BY status ORDER BY 2 DESC"
        ).fetchall()
    seconds = time.perf_counter() - started
    print(f"filled in {seconds:.0f} s: " + ", ".join(f"{k[12:]} {v}" for k, v in counts.items()))
    print("  statuses: " + ", ".join(f"{s} {n}" for s, n in statuses))
    return {"fill_seconds": round(seconds, 1), "cases": counts["interaction_case"]}


# --- a batch of changes after the build ---------------------------------------------------------

CHANGES_SQL = """
-- New messages received now, dispatched at once.
INSERT INTO interaction_case (
  tracking_no, access_token, contact_name, contact_phone, kind, urgency, subject, body, address,
  district_id, allow_publish, keep_identity_secret, status, category_id, lead_department_id,
  suggestions, auto_dispatched, category_confirmed, routing_note, model_version, stage_no,
  dispatched_at, clock_started_at, limit_days, extension_days, paused_days, sign_deadline,
  reply_deadline, warn_at, notice_at, criticism_at, calendar_unofficial, supervision_level,
  return_count, redo_count, is_problem, signed_at, replied_at, closed_at, closure_reason,
  is_published, created_at, updated_at :extra_columns
)
SELECT 'N:tag' || lpad(i::text, 9, '0'), md5(i::text), '', '1390000' || lpad(i::text, 4, '0'),
  'complaint', 'normal', '基准测试', '基准测试工单', '', ro.district_id, true, false,
  'dispatched', ro.category_id, ro.department_id, '[]', true, false, '', '', 1, now(), now(), 13,
  0, 0, now() + interval '1 day', now() + interval '18 days', now() + interval '15 days',
  now() + interval '19 days', now() + interval '24 days', false, 0, 0, 0, false, NULL, NULL,
  NULL, '', false, now(), now() :extra_values
FROM generate_series(1, :new) AS i JOIN bench_route ro ON ro.idx = i % :routes;
INSERT INTO interaction_caseevent (case_id, action, from_status, to_status, actor_role,
  department_id, reason, data, is_public, created_at)
SELECT id, 'submitted', '', 'submitted', 'citizen', NULL, '', '{}', true, now()
FROM interaction_case WHERE tracking_no LIKE 'N:tag%';
-- Dispatched cases signed for, cases being handled answered, answered cases evaluated.
CREATE TEMP TABLE changed AS
  (SELECT id, 'sign' AS action FROM interaction_case WHERE status = 'dispatched'
     AND tracking_no LIKE 'I%' ORDER BY md5(id::text) LIMIT :signs)
  UNION ALL
  (SELECT id, 'publish_reply' FROM interaction_case WHERE status = 'handling'
     ORDER BY md5(id::text) LIMIT :replies)
  UNION ALL
  (SELECT id, 'evaluate' FROM interaction_case WHERE status = 'replied'
     ORDER BY md5(id::text) LIMIT :evaluations);
UPDATE interaction_case c SET status = 'signed', signed_at = now(), updated_at = now()
  FROM changed WHERE changed.id = c.id AND changed.action = 'sign';
UPDATE interaction_case c SET status = 'replied', replied_at = now(), updated_at = now()
  FROM changed WHERE changed.id = c.id AND changed.action = 'publish_reply';
UPDATE interaction_case c SET status = 'closed', closed_at = now(), updated_at = now()
  FROM changed WHERE changed.id = c.id AND changed.action = 'evaluate';
INSERT INTO interaction_evaluation (case_id, stage_no, attitude, result, solved, comment, created_at)
SELECT c.id, c.stage_no, 'satisfied', 'basically', true, '', now()
FROM changed JOIN interaction_case c ON c.id = changed.id WHERE changed.action = 'evaluate'
ON CONFLICT DO NOTHING;
INSERT INTO interaction_caseevent (case_id, action, from_status, to_status, actor_role,
  department_id, reason, data, is_public, created_at)
SELECT c.id, changed.action, '', c.status, 'liaison', c.lead_department_id, '', '{}', true, now()
FROM changed JOIN interaction_case c ON c.id = changed.id;
"""


def apply_changes(args: argparse.Namespace) -> int:
    with connect() as conn:
        routes = conn.execute("SELECT count(*) FROM bench_route").fetchone()[0]
        columns = extra_columns(
            conn, "interaction_case", CHANGES_SQL.split("INSERT INTO interaction_case (")[1]
        )
        before = conn.execute("SELECT max(id) FROM interaction_caseevent").fetchone()[0]
        sql = CHANGES_SQL.replace(":extra_columns", columns[0]).replace(":extra_values", columns[1])
        for key, value in {
            ":new": args.batch_new,
            ":signs": args.batch_signs,
            ":replies": args.batch_replies,
            ":evaluations": args.batch_evaluations,
            ":routes": routes,
            ":tag": format(int(time.time()) % 10**6, "06d"),
        }.items():
            sql = sql.replace(key, str(value))
        conn.execute(sql)
        after = conn.execute("SELECT max(id) FROM interaction_caseevent").fetchone()[0]
    return int(after - before)


# --- the pages ----------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, timeout: float = 60) -> None:
    import socket

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


def get(port: int, path: str, cookie: str) -> tuple[int, float, int]:
    """(status, milliseconds, bytes) of one GET, connection included."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "zh-hans"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, (time.perf_counter() - started) * 1000, len(body)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def leader_cookie(env: dict[str, str]) -> str:
    code = (
        "from django.conf import settings; from django.test import Client; "
        "from backend.accounts.models import User; c = Client(); "
        "c.force_login(User.objects.get(username='leader')); "
        "print(settings.SESSION_COOKIE_NAME + '=' + c.cookies[settings.SESSION_COOKIE_NAME].value)"
    )
    return manage(env, "shell", "-c", code).strip().splitlines()[-1]


def month_start(today: dt.date, back: int) -> dt.date:
    year, month = today.year, today.month - back
    while month < 1:
        month += 12
        year -= 1
    return dt.date(year, month, 1)


def bench_pages(env: dict[str, str], args: argparse.Namespace, today: dt.date) -> dict:
    server = subprocess.Popen(
        wsgi_server(workers=args.workers, threads=2, port=args.port),
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    cookie = leader_cookie(env)
    months = [month_start(today, back) for back in (0, 1, 5, 11, 17, 23)]
    years = [dt.date(today.year, 1, 1), dt.date(today.year - 1, 1, 1)]
    pages = [("month", f"/insights/?period=month&start={m}") for m in months] + [
        ("year", f"/insights/?period=year&start={y}") for y in years
    ]
    apis = [
        ("api", f"/api/insights/performance/?period=month&start={months[1]}"),
        ("api", f"/api/insights/performance/?period=year&start={years[1]}"),
        ("trends", f"/api/insights/trends/?period=month&start={months[1]}"),
        ("trends", f"/api/insights/trends/?period=year&start={years[1]}"),
    ]
    times: dict[str, list[float]] = {"month": [], "year": [], "api": [], "trends": []}
    sizes: dict[str, int] = {}
    try:
        wait_for(args.port)
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        for _kind, path in pages + apis:  # warm up every worker on every page once
            for _ in range(args.workers):
                status, _ms, size = get(args.port, path, cookie)
                if status != 200:
                    raise SystemExit(f"GET {path} answered {status}")
                sizes[path] = size
        for _round in range(args.repeats):
            for kind, path in pages + apis:
                status, ms, _size = get(args.port, path, cookie)
                assert status == 200, (path, status)
                times[kind].append(ms)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    dashboard = times["month"] + times["year"]
    result = {
        "dashboard_p50_ms": round(statistics.median(dashboard), 1),
        "dashboard_p95_ms": round(percentile(dashboard, 95), 1),
        "dashboard_month_p95_ms": round(percentile(times["month"], 95), 1),
        "dashboard_year_p95_ms": round(percentile(times["year"], 95), 1),
        "dashboard_requests": len(dashboard),
        "api_performance_p50_ms": round(statistics.median(times["api"]), 1),
        "api_performance_p95_ms": round(percentile(times["api"], 95), 1),
        "api_trends_p95_ms": round(percentile(times["trends"], 95), 1),
    }
    print(
        f"dashboard (granian, {args.workers} workers, production settings, one client, "
        f"{len(dashboard)} requests over {len(months)} months and {len(years)} years, "
        f"~{max(sizes.values()) // 1024} KB each): p50 {result['dashboard_p50_ms']} ms, "
        f"p95 {result['dashboard_p95_ms']} ms (months p95 {result['dashboard_month_p95_ms']}, "
        f"years p95 {result['dashboard_year_p95_ms']})"
    )
    print(
        f"performance API: p50 {result['api_performance_p50_ms']} ms, "
        f"p95 {result['api_performance_p95_ms']} ms; trends API p95 {result['api_trends_p95_ms']} ms"
    )
    return result


# --- checks in process --------------------------------------------------------------------------

VERIFY = r"""
import datetime as dt, json, re, time
from django.db import connection
from django.test import Client
from django.utils import timezone
from backend.accounts.models import User
from interaction.insights import direct, performance, trends
from interaction.insights.periods import month_of, year_of

today = timezone.localdate()
now = timezone.now()
out = {"equal": True, "checked": []}
for label, period in (("month", month_of(today.replace(day=1) - dt.timedelta(days=1))),
                      ("year", year_of(today.replace(month=1, day=1) - dt.timedelta(days=1)))):
    span = {"start": period.start, "end": period.end, "now": now}
    t = time.perf_counter()
    rolled = (performance.department_performance(**span), performance.district_performance(**span),
              trends.trend(period=period), trends.by_category(period=period),
              trends.by_kind(period=period), trends.by_district(period=period))
    rolled_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    straight = (direct.department_performance(**span), direct.district_performance(**span),
                direct.trend(period=period), direct.by_category(period=period),
                direct.by_kind(period=period), direct.by_district(period=period))
    direct_ms = (time.perf_counter() - t) * 1000
    same = rolled == straight
    out["equal"] = out["equal"] and same
    out["checked"].append({"period": label, "equal": same, "rollups_ms": round(rolled_ms, 1),
                           "direct_ms": round(direct_ms, 1),
                           "received": performance.totals(rolled[0]).received})

# The slowest queries of one year dashboard, in process.
timings = []
def record(execute, sql, params, many, context):
    t = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        timings.append(((time.perf_counter() - t) * 1000, " ".join(sql.split())))
client = Client()
client.force_login(User.objects.get(username="leader"))
client.get(f"/insights/?period=year&start={today.year}-01-01")
with connection.execute_wrapper(record):
    t = time.perf_counter()
    response = client.get(f"/insights/?period=year&start={today.year - 1}-01-01")
    out["dashboard_in_process_ms"] = round((time.perf_counter() - t) * 1000, 1)
out["dashboard_queries"] = len(timings)
out["dashboard_sql_ms"] = round(sum(ms for ms, _sql in timings), 1)
out["slowest"] = [[round(ms, 1), sql[:110]] for ms, sql in sorted(timings, reverse=True)[:5]]
by_table = {}
for ms, sql in timings:
    found = re.search(r'FROM "(\w+)"', sql)
    table = found.group(1) if found else sql.split()[0]
    by_table[table] = by_table.get(table, 0) + ms
out["sql_ms_by_table"] = {k: round(v, 1) for k, v in sorted(by_table.items(), key=lambda kv: -kv[1])}
print(json.dumps(out, ensure_ascii=False))
"""


def verify(env: dict[str, str]) -> dict:
    found = json.loads(manage(env, "shell", "-c", VERIFY).strip().splitlines()[-1])
    for item in found["checked"]:
        print(
            f"rollups vs direct aggregates, last complete {item['period']} "
            f"({item['received']} cases): equal={item['equal']}, roll-ups {item['rollups_ms']} ms, "
            f"direct {item['direct_ms']} ms"
        )
    print(
        f"year dashboard in process: {found['dashboard_in_process_ms']} ms, "
        f"{found['dashboard_queries']} queries, {found['dashboard_sql_ms']} ms in SQL; slowest:"
    )
    for ms, sql in found["slowest"]:
        print(f"  {ms:8.1f} ms  {sql}")
    print(
        "  SQL time by table: "
        + ", ".join(f"{table} {ms} ms" for table, ms in found["sql_ms_by_table"].items())
    )
    by_period = {item["period"]: item for item in found["checked"]}
    return {
        "rollups_equal_direct": found["equal"],
        "direct_month_ms": by_period["month"]["direct_ms"],
        "direct_year_ms": by_period["year"]["direct_ms"],
        "dashboard_year_in_process_ms": found["dashboard_in_process_ms"],
    }


# --- hot-issue grouping (bench/grouping_bench.py, another benchmark) ----------------------------


def grouping() -> dict:
    script = ROOT / "bench" / "grouping_bench.py"
    result: dict = dict.fromkeys(GROUPING_KEYS)
    if not script.exists():
        print("bench/grouping_bench.py does not exist yet: grouping figures left null")
        return result
    print("running bench/grouping_bench.py ...", flush=True)
    done = subprocess.run([PY, str(script)], cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    for line in lines[-15:-1]:
        print("  grouping: " + line)
    try:
        found = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        print(f"bench/grouping_bench.py failed (exit {done.returncode}): {done.stderr[-2000:]}")
        return result
    result.update(found)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument("--batch-new", type=int, default=1000)
    parser.add_argument("--batch-signs", type=int, default=300)
    parser.add_argument("--batch-replies", type=int, default=500)
    parser.add_argument("--batch-evaluations", type=int, default=300)
    parser.add_argument("--skip-grouping", action="store_true")
    parser.add_argument(
        "--reuse-db", action="store_true", help="Keep the database of an earlier run (no fill)."
    )
    parser.add_argument("--skip-build", action="store_true", help="Do not rebuild the roll-ups.")
    args = parser.parse_args()
    if not args.port:
        args.port = free_port()

    env = production_env(
        DB_NAME, label="insights", redis_db=14, pool_max=4, WENZHENG_THROTTLE_USER="100000/min"
    )
    result: dict = {}
    now = dt.datetime.now(dt.UTC)
    today = (now + dt.timedelta(hours=8)).date()  # Beijing
    if args.reuse_db:
        print("reusing database", DB_NAME, flush=True)
        manage(env, "migrate", "--noinput")
        with connect() as conn:
            result["cases"] = conn.execute("SELECT count(*) FROM interaction_case").fetchone()[0]
    else:
        print("preparing database", DB_NAME, flush=True)
        recreate_database(DB_NAME)
        manage(env, "migrate", "--noinput")
        try:
            manage(env, "load_demo_city")
        except SystemExit as exc:  # the demo seeder has failed now and then: say so, try again
            print(f"load_demo_city failed, trying once more: {str(exc).splitlines()[-1]}")
            manage(env, "load_demo_city", "--reset")
        result.update(fill(args.cases, now))
    if not args.skip_build:
        seconds, peak_mb, out = timed_manage(env, "refresh_rollups", "--rebuild")
        built = json.loads(out.splitlines()[-1])
        print(
            f"roll-ups built: {built['days']} days, {built['rows']} rows in {built['seconds']} s "
            f"(process {seconds:.1f} s, peak RSS {peak_mb:.0f} MB)"
        )
        result.update(
            {"rollup_build_seconds": round(seconds, 1), "rollup_build_peak_mb": round(peak_mb, 1)}
        )
    # Other features may have added tables while the cases were written.
    manage(env, "migrate", "--noinput")

    result.update(bench_pages(env, args, today))

    week, _mb, out = timed_manage(
        env, "weekly_report", "--out", str(ROOT / "var" / "bench-reports")
    )
    month, _mb, _out = timed_manage(
        env, "weekly_report", "--month", "--out", str(ROOT / "var" / "bench-reports")
    )
    print(f"weekly_report: {week:.2f} s, monthly: {month:.2f} s (processes, wall clock): {out}")
    result.update(
        {"weekly_report_seconds": round(week, 2), "monthly_report_seconds": round(month, 2)}
    )

    events = apply_changes(args)
    seconds, _mb, out = timed_manage(env, "refresh_rollups")
    run = json.loads(out.splitlines()[-1])
    print(
        f"refresh after a batch of {events} audit rows ({args.batch_new} new cases, "
        f"{args.batch_signs} signed, {args.batch_replies} replied, {args.batch_evaluations} "
        f"evaluated): {run['days']} days recomputed in {run['seconds']} s "
        f"(process {seconds:.1f} s)"
    )
    result.update(
        {
            "refresh_batch_events": events,
            "refresh_batch_days": run["days"],
            "refresh_batch_seconds": run["seconds"],
        }
    )
    result.update(verify(env))
    if not args.skip_grouping:
        result.update(grouping())
    else:
        result.update(dict.fromkeys(GROUPING_KEYS))
    print(json.dumps(result))


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    main()
