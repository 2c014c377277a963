"""Intake and supervision benchmark on PostgreSQL (a benchmark, not a test: it prints figures).

1. Creates a fresh database `wenzheng_bench` on the local PostgreSQL server, migrates it, loads the
   demo city and trains the classifier, so a submission does everything it does in production:
   validation, rate limit check, classification, routing, audit row, notification.
2. Serves HTTP the way the README recommends for production (granian's WSGI workers, production
   settings, psycopg pool) and drives `POST /api/cases/` from an asyncio load generator on the same
   machine (keep-alive connections, fixed concurrency); reports requests/s and latency percentiles.
3. Inserts 1,000,000 cases (open and closed, deadlines spread so some are due) with SQL, then runs
   `manage.py supervise` in a child process and reports its wall time and peak memory (max RSS),
   once on the backlog and once more (the steady state: nothing new due).
The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchdb import (
    PG,
    ROOT,
    manage,
    production_env,
    recreate_database,
    timed_manage,
    wsgi_server,
)

DB_NAME = "wenzheng_bench"


# --- load generator --------------------------------------------------------------------------

SUBJECTS = [
    "小区门口道路破损",
    "噪音扰民问题",
    "公积金提取咨询",
    "学校周边交通拥堵",
    "垃圾清运不及时",
    "医保报销咨询",
    "路灯不亮",
    "占道经营",
]
BODIES = [
    "我家附近的道路出现了很多坑洼，雨天积水严重，行人和车辆通行都很不方便，希望有关部门尽快维修。",
    "小区旁边的工地每天晚上十点以后还在施工，噪音很大，严重影响居民休息，请相关部门处理。",
    "请问在本市缴纳公积金满三年，购买首套住房时可以提取多少，需要准备哪些材料？",
    "每天上下学时间学校门口车辆乱停，交通非常拥堵，存在安全隐患，建议增设交警疏导。",
]


def _messages() -> list[tuple[str, str]]:
    """Demo-city messages the model was not trained on (places included), plus a few generic ones
    it is unsure about: a realistic mix of auto-dispatched and queued submissions."""
    sys.path.insert(0, str(ROOT))
    from interaction.demo.corpus import fresh_messages

    pairs = []
    for text, _code in fresh_messages(seed=7, per_category=5):
        subject, _sep, body = text.partition("\n")
        pairs.append((subject, body))
    pairs += [(s, b) for s in SUBJECTS for b in BODIES]
    return pairs


MESSAGES: list[tuple[str, str]] = []


def request_bytes(host: str, port: int, i: int) -> bytes:
    if not MESSAGES:
        MESSAGES.extend(_messages())
    subject, text = random.choice(MESSAGES)
    body = json.dumps(
        {
            "kind": random.choice(["consultation", "complaint", "help", "suggestion"]),
            "subject": subject[:100],
            "body": text + f"（编号{i}）",
            "contact_phone": f"13{random.randint(100000000, 999999999)}",
            "contact_name": "测试",
        },
        ensure_ascii=False,
    ).encode()
    head = (
        f"POST /api/cases/ HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"X-Forwarded-For: {client_address(i)}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Accept: application/json\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    return head + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the server keeps the connection open)."""
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    keep_alive = True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "connection" and value.strip().lower() == "close":
            keep_alive = False
    if length:
        await reader.readexactly(length)
    return status, keep_alive


async def drive(
    port: int, total: int, concurrency: int
) -> tuple[list[float], dict[int, int], float]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(total))

    async def worker() -> None:
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        for i in counter:
            payload = request_bytes("127.0.0.1", port, i)
            start = time.perf_counter()
            keep_alive = False
            try:
                # Connecting is part of the request's time (when the server closes a
                # connection, the next request opens a new one).
                if connection is None:
                    connection = await asyncio.open_connection("127.0.0.1", port)
                reader, writer = connection
                writer.write(payload)
                await writer.drain()
                status, keep_alive = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
                status = 599
            latencies.append((time.perf_counter() - start) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            if not keep_alive and connection is not None:
                connection[1].close()
                connection = None
        if connection is not None:
            connection[1].close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, statuses, time.perf_counter() - started


def client_address(i: int) -> str:
    """The i-th citizen's address, as the reverse proxy in front of the workers reports it in
    `X-Forwarded-For` (the server runs with `WENZHENG_NUM_PROXIES=1`, as in production behind
    nginx): citizens write from many addresses, and the per-address throttles see them apart."""
    return f"127.{1 + i // 64516 % 254}.{1 + i // 254 % 254}.{1 + i % 254}"


def _ticks(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds so far: the machine (busy time of /proc/stat), the server's workers, this
    process (the load generator), PostgreSQL's and Redis's processes."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(values) - values[3] - values[4]  # all but idle and iowait
    workers = [
        int(p)
        for p in subprocess.run(
            ["pgrep", "-P", str(server_pid)], capture_output=True, text=True
        ).stdout.split()
    ]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "machine": busy / os.sysconf("SC_CLK_TCK"),
        "workers": sum(_ticks(p) for p in workers),
        "loader": usage.ru_utime + usage.ru_stime,
        "postgresql": sum(_ticks(p) for p in _pids("postgres")),
        "redis": sum(_ticks(p) for p in _pids("redis-server")),
    }


def _pids(name: str) -> list[int]:
    found = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout
    return [int(p) for p in found.split()]


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Where the CPU went during the measured run (`other`: the kernel's own work, the server's
    main process, everything else on the machine)."""
    spent = {k: after[k] - before[k] for k in before}
    spent["other"] = spent["machine"] - sum(v for k, v in spent.items() if k != "machine")
    return spent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def wait_for(port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


def bench_submit(env: dict[str, str], args: argparse.Namespace) -> dict[str, float]:
    server = subprocess.Popen(
        wsgi_server(workers=args.workers, threads=args.threads, port=args.port),
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_for(args.port)
        asyncio.run(drive(args.port, args.warmup, args.concurrency))
        before = cpu_snapshot(server.pid)
        latencies, statuses, seconds = asyncio.run(
            drive(args.port, args.requests, args.concurrency)
        )
        spent = cpu_spent(before, cpu_snapshot(server.pid))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    ok = statuses.get(201, 0)
    print(
        f"submit: {args.requests} requests, concurrency {args.concurrency}, "
        f"{args.workers} workers of {args.threads} threads: statuses {statuses}"
    )
    print(
        "submit: CPU ms per request: "
        + ", ".join(f"{name} {value * 1000 / max(1, ok):.2f}" for name, value in spent.items())
    )
    result = {
        "submit_rps": round(ok / seconds, 1),
        "submit_p50_ms": round(statistics.median(latencies), 1),
        "submit_p99_ms": round(percentile(latencies, 99), 1),
        "submit_errors": sum(v for k, v in statuses.items() if k != 201),
    }
    print(
        f"submit: {result['submit_rps']} req/s, p50 {result['submit_p50_ms']} ms, "
        f"p99 {result['submit_p99_ms']} ms"
    )
    import psycopg

    with psycopg.connect(f"{PG}/{DB_NAME}") as conn:
        row = conn.execute("SELECT count(*) FROM interaction_case WHERE auto_dispatched").fetchone()
    result["submit_auto_dispatched"] = row[0] if row else 0
    print(f"submit: {result['submit_auto_dispatched']} messages were dispatched automatically")
    return result


# --- supervision over 1M cases ---------------------------------------------------------------

FILL_SQL = """
INSERT INTO interaction_case (
  tracking_no, access_token, contact_name, contact_phone, kind, urgency, subject, body, address,
  allow_publish, keep_identity_secret, status, lead_department_id, category_id,
  suggestions, auto_dispatched, category_confirmed, routing_note, model_version,
  stage_no, dispatched_at, clock_started_at, limit_days, extension_days, paused_days,
  sign_deadline, reply_deadline, warn_at, notice_at, criticism_at, calendar_unofficial,
  supervision_level, return_count, redo_count, is_problem, closure_reason, is_published,
  created_at, updated_at, replied_at, closed_at
)
SELECT
  'B' || lpad(i::text, 9, '0'), md5(i::text), '', '13800000000', 'complaint', 'normal',
  '基准测试', '基准测试工单', '', true, false,
  CASE WHEN i % 10 < 9 THEN 'closed' ELSE 'handling' END,
  (SELECT id FROM organisation_department ORDER BY id LIMIT 1 OFFSET (i % %(ndept)s)),
  (SELECT id FROM organisation_category WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1),
  '[]', false, true, '', '',
  1, t, t, 13, 0, 0,
  t + interval '1 day', t + interval '18 days', t + interval '14 days',
  t + interval '19 days', t + interval '26 days', false,
  CASE WHEN i % 10 < 9 THEN 0
       WHEN t + interval '26 days' < now() - interval '1 day' THEN 4
       ELSE 0 END,
  0, 0, false, '', false,
  t, t, CASE WHEN i % 10 < 9 THEN t + interval '10 days' END,
  CASE WHEN i % 10 < 9 THEN t + interval '12 days' END
FROM (
  SELECT i, now() - (i % 730) * interval '1 day' - (i % 86400) * interval '1 second' AS t
  FROM generate_series(%(start)s, %(stop)s) AS i
) s
"""


def fill_cases(total: int) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/{DB_NAME}", autocommit=True) as conn:
        ndept = conn.execute("SELECT count(*) FROM organisation_department").fetchone()[0]
        step = 100_000
        for start in range(1, total + 1, step):
            stop = min(total, start + step - 1)
            conn.execute(
                FILL_SQL.replace("%(ndept)s", str(ndept))
                .replace("%(start)s", str(start))
                .replace("%(stop)s", str(stop))
            )
        conn.execute("ANALYZE interaction_case")
        counts = conn.execute(
            "SELECT status, count(*) FROM interaction_case GROUP BY status ORDER BY status"
        ).fetchall()
    print("cases:", ", ".join(f"{s} {n}" for s, n in counts))


def timed_supervise(env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak MB, its last line of output) of `manage.py supervise --no-digests`."""
    seconds, peak_mb, out = timed_manage(env, "supervise", "--no-digests")
    return seconds, peak_mb, (out.splitlines() or [""])[-1]


def bench_supervise(env: dict[str, str], total: int) -> dict[str, float]:
    started = time.perf_counter()
    fill_cases(total)
    print(f"inserted {total} cases in {time.perf_counter() - started:.1f} s")
    seconds, peak_mb, report = timed_supervise(env)
    print(f"supervise (backlog): {seconds:.2f} s, peak RSS {peak_mb:.0f} MB: {report}")
    again, again_mb, report2 = timed_supervise(env)
    print(
        f"supervise (again, nothing new due): {again:.2f} s, peak RSS {again_mb:.0f} MB: {report2}"
    )
    return {
        "supervise_1m_seconds": round(seconds, 2),
        "supervise_1m_peak_mb": round(peak_mb, 1),
        "supervise_1m_rerun_seconds": round(again, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--skip-supervise", action="store_true")
    args = parser.parse_args()

    env = production_env(DB_NAME, label="intake", redis_db=15, pool_max=4, WENZHENG_NUM_PROXIES="1")
    print("preparing database", DB_NAME)
    recreate_database(DB_NAME)
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo_city")
    print(manage(env, "train_classifier").strip().splitlines()[-1:])
    result: dict[str, float] = {}
    result.update(bench_submit(env, args))
    if not args.skip_supervise:
        result.update(bench_supervise(env, args.cases))
    print(json.dumps(result))


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    main()
