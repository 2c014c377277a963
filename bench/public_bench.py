"""Public listing and search benchmark on PostgreSQL, and masking speed (a benchmark, not a test).

1. Creates a fresh database `wenzheng_bench_public` on the local PostgreSQL server, migrates it
   and loads the demo city.
2. Inserts `--cases` (default 1,000,000) published cases with SQL: realistic Chinese subjects,
   messages and replies composed from the demo city's templates (`interaction/demo/`), with
   phone numbers and names in some of them, masked and tokenised through the same functions the
   platform uses (`privacy.masking.mask`, `privacy.selectors.build_search_text`), and their
   public search rows. A pool of `--pool` distinct compositions is made in Python and the cases
   are drawn from it (each with its own tracking number, dates, department and district).
3. Serves the site as production would (granian, `--workers` WSGI workers of `--threads` threads,
   production settings, psycopg pool) and drives `--concurrency` clients from an asyncio load
   generator on the same machine over the home page: listings (first and deep pages, with and
   without filters) and searches (common and rare words, 1–3 words, with and without filters).
   Reports p50/p95/p99 and requests/s for each.
4. Measures masking throughput (MB of UTF-8 text per second, one core) over real citizen messages
   (`../shared/data/teddy2020/train.csv`, read at run time, never copied) or, without them, demo
   messages, with ID numbers, phone numbers, bank cards, plates and the writer's name put in.

The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from benchdb import PG, ROOT, manage, production_env, recreate_database, wsgi_server

DB_NAME = "wenzheng_bench_public"
REAL_MESSAGES = ROOT.parent / "shared" / "data" / "teddy2020" / "train.csv"
SPAN_DAYS = 3 * 365  # published cases spread over the last three years


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- the published cases ----------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


@dataclass
class PoolItem:
    subject: str
    body: str
    reply: str
    masked_subject: str
    search_text: str
    kind: str
    category_id: int
    top_category_id: int
    department_id: int
    district_id: int | None
    street_id: int | None
    contact_name: str


def build_pool(size: int, seed: int) -> list[PoolItem]:
    """`size` distinct messages with their reply, routed by the demo city's catalogue, masked
    and tokenised as the platform does when it publishes a case."""
    from backend.organisation.models import Jurisdiction
    from interaction.demo.content import Composer
    from interaction.privacy.masking import mask
    from interaction.privacy.selectors import build_search_text
    from interaction.routing import catalogue, department_for

    data = catalogue()
    places = {j.code: j for j in Jurisdiction.objects.all()}
    composer = Composer()
    rng = random.Random(seed)
    pool: list[PoolItem] = []
    seen: set[str] = set()
    while len(pool) < size:
        code = composer.pick_category(rng)
        category = data.category(code)
        if category is None:
            continue
        message = composer.compose(rng, code)
        name = person(rng)
        body = message.body
        # A share of writers put their name and phone number in the text (masked on publication).
        if rng.random() < 0.3:
            body = f"我是{name}，电话{phone(rng)}。{body}"
        elif rng.random() < 0.2:
            body = f"{body}联系人：{name[0]}先生。"
        key = message.subject + body
        if key in seen:
            continue
        seen.add(key)
        street = places.get(message.street)
        department = department_for(category, street, data)
        if department is None:
            continue
        top = category.parent or category
        values = {
            "subject": message.subject[:30],
            "date": f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
            "phone": "0730-8886" + f"{rng.randint(0, 9999):04d}",
            "estate": message.subject[:8],
            "street": street.name if street else "属地街道",
        }
        reply = composer.reply(rng, code, top.code, values)
        names = (name,)
        masked = [mask(part, names=names) for part in (message.subject, body, reply)]
        pool.append(
            PoolItem(
                subject=message.subject,
                body=body,
                reply=reply,
                masked_subject=masked[0],
                search_text=build_search_text(*masked),
                kind=message.kind,
                category_id=category.pk,
                top_category_id=top.pk,
                department_id=department.pk,
                district_id=street.parent_id if street else None,
                street_id=street.pk if street else None,
                contact_name=name,
            )
        )
    return pool


POOL_COLUMNS = (
    "pool_id",
    "subject",
    "body",
    "reply",
    "masked_subject",
    "search_text",
    "kind",
    "category_id",
    "top_category_id",
    "department_id",
    "district_id",
    "street_id",
    "contact_name",
)


def _copy_pool(conn: Any, pool: list[PoolItem]) -> None:
    conn.execute(
        """CREATE UNLOGGED TABLE bench_pool (
            pool_id int PRIMARY KEY, subject text, body text, reply text, masked_subject text,
            search_text text, kind text, category_id bigint, top_category_id bigint,
            department_id bigint, district_id bigint, street_id bigint, contact_name text)"""
    )
    with conn.cursor().copy(f"COPY bench_pool ({', '.join(POOL_COLUMNS)}) FROM STDIN") as copy:
        for i, item in enumerate(pool):
            copy.write_row(
                (
                    i,
                    item.subject,
                    item.body,
                    item.reply,
                    item.masked_subject,
                    item.search_text,
                    item.kind,
                    item.category_id,
                    item.top_category_id,
                    item.department_id,
                    item.district_id,
                    item.street_id,
                    item.contact_name,
                )
            )


# Each case i takes pool item hash(i) % pool size; its reply was published at a moment spread
# evenly over the last SPAN_DAYS; it was written 3–15 days before the reply.
CASES_SQL = """
INSERT INTO interaction_case (
  tracking_no, access_token, contact_name, contact_phone, kind, urgency, subject, body,
  district_id, street_id, address, allow_publish, keep_identity_secret, status,
  lead_department_id, category_id, suggestions, auto_dispatched, category_confirmed,
  routing_note, model_version, stage_no, dispatched_at, clock_started_at, limit_days,
  extension_days, paused_days, sign_deadline, reply_deadline, warn_at, notice_at, criticism_at,
  calendar_unofficial, supervision_level, return_count, redo_count, is_problem, closure_reason,
  is_published, created_at, updated_at, signed_at, replied_at, closed_at
)
SELECT
  'P' || lpad(s.i::text, 9, '0'), md5(s.i::text), p.contact_name,
  '139' || lpad((s.i % 100000000)::text, 8, '0'), p.kind, 'normal', p.subject, p.body,
  p.district_id, p.street_id, '', true, false,
  CASE WHEN s.i % 5 = 0 THEN 'replied' ELSE 'closed' END,
  p.department_id, p.category_id, '[]', false, true, '', '', 1,
  s.created, s.created, 13, 0, 0, s.created + interval '1 day', s.created + interval '18 days',
  s.created + interval '14 days', s.created + interval '19 days',
  s.created + interval '26 days', false, 0, 0, 0, false, '', true,
  s.created, s.replied, s.created + interval '4 hours', s.replied,
  CASE WHEN s.i % 5 = 0 THEN NULL ELSE s.replied + interval '7 days' END
FROM (
  SELECT i, pool, replied, replied - ((3 + i % 13) * interval '1 day') AS created
  FROM (
    SELECT i, abs(hashint4(i)::bigint) %% %(pool)s AS pool,
           now() - ((abs(hashint4(i * 7)::bigint) %% 1000000) / 1000000.0 * %(span)s)
                   * interval '1 day' - (i %% 86400) * interval '1 second' AS replied
    FROM generate_series(%(start)s, %(stop)s) AS i
  ) r
) s
JOIN bench_pool p ON p.pool_id = s.pool
"""

REPLIES_SQL = """
INSERT INTO interaction_reply (case_id, stage_no, body, state, department_id, author_id,
                               approved_by_id, reviewed_by_id, note, created_at, published_at)
SELECT c.id, 1, p.reply, 'published', c.lead_department_id, %(author)s, %(author)s, %(author)s,
       '', c.replied_at - interval '1 day', c.replied_at
FROM interaction_case c
JOIN bench_pool p ON p.pool_id = abs(hashint4(substr(c.tracking_no, 2)::int)::bigint) %% %(pool)s
WHERE c.tracking_no LIKE 'P%%' AND c.id BETWEEN %(lo)s AND %(hi)s
"""


def search_row_sql(columns: set[str]) -> str:
    """INSERT of the public search rows, for the columns the table has (the benchmark fills the
    schema it finds)."""
    wanted = {
        "case_id": "c.id",
        "search_text": "p.search_text",
        "indexed_at": "now()",
        "tracking_no": "c.tracking_no",
        "subject": "p.masked_subject",
        "replied_at": "c.replied_at",
        "category_id": "c.category_id",
        "top_category_id": "p.top_category_id",
        "department_id": "c.lead_department_id",
        "district_id": "c.district_id",
    }
    names = [name for name in wanted if name in columns]
    return (
        f"INSERT INTO interaction_publishedcasetext ({', '.join(names)}) "
        f"SELECT {', '.join(wanted[n] for n in names)} FROM interaction_case c "
        "JOIN bench_pool p ON p.pool_id = abs(hashint4(substr(c.tracking_no, 2)::int)::bigint) "
        "%% %(pool)s WHERE c.tracking_no LIKE 'P%%' AND c.id BETWEEN %(lo)s AND %(hi)s"
    )


_EMPTY = {
    "jsonb": "'{}'::jsonb",
    "json": "'{}'::json",
    "text": "''",
    "character varying": "''",
    "boolean": "false",
    "timestamp with time zone": "now()",
    "date": "current_date",
}


def complete_insert(conn: Any, sql: str, table: str) -> str:
    """`sql` (INSERT INTO table (columns) SELECT values …) with an empty value for every other
    NOT NULL column without a default: columns added by later migrations still get a value
    (the benchmark inserts with SQL, past the models)."""
    head, _sep, rest = sql.partition("(")
    listed, _sep, tail = rest.partition(")")
    names = {n.strip() for n in listed.split(",")}
    missing = [
        (name, kind)
        for name, kind in conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
            "AND is_nullable = 'NO' AND column_default IS NULL AND is_generated = 'NEVER' "
            "AND is_identity = 'NO'",
            [table],
        ).fetchall()
        if name not in names
    ]
    if not missing:
        return sql
    select, _sep, source = tail.partition("\nFROM ")
    values = ", ".join(_EMPTY.get(kind, "0") for _name, kind in missing)
    columns = ", ".join(name for name, _kind in missing)
    return f"{head}({listed}, {columns}){select}, {values}\nFROM {source}"


def _fill(sql: str, **values: Any) -> str:
    for key, value in values.items():
        sql = sql.replace(f"%({key})s", str(value))
    return sql.replace("%%", "%")


BULK_TABLES = ("interaction_case", "interaction_reply", "interaction_publishedcasetext")


def _drop_secondary_indexes(conn: Any) -> list[str]:
    """Drop the indexes of the bulk-loaded tables that no constraint needs, and return their
    definitions: building an index once after the load is much faster than keeping it up to
    date row by row (GIN above all)."""
    rows = conn.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.tablename = ANY(%s) AND NOT EXISTS (
               SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        [list(BULK_TABLES)],
    ).fetchall()
    for name, _definition in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def fill_cases(total: int, pool: list[PoolItem]) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/{DB_NAME}", autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_pool")
        _copy_pool(conn, pool)
        indexes = _drop_secondary_indexes(conn)
        author = conn.execute("SELECT id FROM accounts_user WHERE username = 'liaison'").fetchone()[
            0
        ]
        cases_sql = complete_insert(conn, CASES_SQL, "interaction_case")
        replies_sql = complete_insert(conn, REPLIES_SQL, "interaction_reply")
        step = 100_000
        for start in range(1, total + 1, step):
            stop = min(total, start + step - 1)
            conn.execute(_fill(cases_sql, pool=len(pool), span=SPAN_DAYS, start=start, stop=stop))
            print(f"  cases {stop:,}", flush=True)
        lo, hi = conn.execute(
            "SELECT min(id), max(id) FROM interaction_case WHERE tracking_no LIKE 'P%'"
        ).fetchone()
        columns = {
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'interaction_publishedcasetext'"
            )
        }
        rows_sql = search_row_sql(columns)
        for first in range(lo, hi + 1, step):
            last = min(hi, first + step - 1)
            conn.execute(_fill(replies_sql, pool=len(pool), author=author, lo=first, hi=last))
            conn.execute(_fill(rows_sql, pool=len(pool), lo=first, hi=last))
            print(f"  replies and search rows up to case id {last:,}", flush=True)
        conn.execute("DROP TABLE bench_pool")
        started = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        for definition in indexes:
            conn.execute(definition)
        print(f"  rebuilt {len(indexes)} indexes in {time.perf_counter() - started:.0f} s")
        # In production a search row is written when its reply is published, so the table is in
        # publication order; here the rows came in random order. Restore that order.
        started = time.perf_counter()
        conn.execute("CLUSTER interaction_publishedcasetext USING pubtext_recent_idx")
        print(f"  search rows in publication order in {time.perf_counter() - started:.0f} s")
        conn.execute("VACUUM ANALYZE interaction_case")
        conn.execute("VACUUM ANALYZE interaction_reply")
        conn.execute("VACUUM ANALYZE interaction_publishedcasetext")
        published = conn.execute(
            "SELECT count(*) FROM interaction_case WHERE is_published"
        ).fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM interaction_publishedcasetext").fetchone()[0]
    print(f"published cases: {published:,}; search rows: {rows:,}")


# --- what the load generator asks for -----------------------------------------------------------


def _word_frequencies(pool: list[PoolItem]) -> Counter[str]:
    """In how many pool texts each searchable word occurs (jieba tokens of two characters or
    more, as people type them)."""
    from interaction.privacy.selectors import search_tokens

    df: Counter[str] = Counter()
    for item in pool:
        tokens = search_tokens(f"{item.masked_subject} {item.body}")
        df.update({t for t in tokens if len(t) >= 2 and not t.isascii()})
    return df


@dataclass
class Workload:
    listing: list[str]
    search: list[str]


def workload(pool: list[PoolItem], seed: int) -> Workload:
    """The addresses the clients ask for: listings and searches, each a realistic mix."""
    from urllib.parse import urlencode

    from backend.organisation.models import Category, Department, Jurisdiction

    rng = random.Random(seed)
    departments = list(Department.objects.values_list("pk", flat=True))
    districts = list(
        Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT).values_list("pk", flat=True)
    )
    leaves = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    tops = list(Category.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    df = _word_frequencies(pool)
    ranked = [w for w, _n in df.most_common()]
    common = ranked[:60]
    # Rare: in at most 0.2 % of the texts (each pool text stands for total/pool cases).
    rare = [w for w in ranked if df[w] <= max(2, len(pool) // 500)][:400] or ranked[-100:]
    middle = ranked[60 : max(61, len(ranked) // 3)]

    def a_filter() -> dict[str, Any]:
        choice = rng.random()
        if choice < 0.3:
            return {"department": rng.choice(departments)}
        if choice < 0.5:
            return {"district": rng.choice(districts)}
        if choice < 0.7:
            return {"category": rng.choice(leaves if rng.random() < 0.6 else tops)}
        if choice < 0.85:
            days = rng.randint(0, SPAN_DAYS - 31)
            start = time.localtime(time.time() - days * 86400)
            end = time.localtime(time.time() - (days - 30) * 86400)
            return {
                "date_from": time.strftime("%Y-%m-%d", start),
                "date_to": time.strftime("%Y-%m-%d", end),
            }
        return {"department": rng.choice(departments), "district": rng.choice(districts)}

    def page() -> dict[str, Any]:
        choice = rng.random()
        if choice < 0.55:
            return {}
        if choice < 0.8:
            return {"page": rng.randint(2, 5)}
        return {"page": rng.choice([20, 50, 100, 200, 300, 400, 500])}  # deep

    listing = []
    for _ in range(2000):
        params: dict[str, Any] = {}
        if rng.random() < 0.5:
            params.update(a_filter())
        params.update(page())
        listing.append("/?" + urlencode(params) if params else "/")
    search = []
    for _ in range(2000):
        n_words = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
        words = []
        for _w in range(n_words):
            band = rng.random()
            words.append(rng.choice(common if band < 0.45 else rare if band < 0.75 else middle))
        params = {"q": " ".join(dict.fromkeys(words))}
        if rng.random() < 0.35:
            params.update(a_filter())
        if rng.random() < 0.2:
            params["page"] = rng.choice([2, 3, 5, 10])
        search.append("/?" + urlencode(params))
    return Workload(listing=listing, search=search)


# --- load generator ---------------------------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """(status, whether the server keeps the connection open, body)."""
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = -1
    keep_alive = True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "connection" and value.strip().lower() == "close":
            keep_alive = False
    if length >= 0:
        body = await reader.readexactly(length)
    else:
        body = await reader.read()
        keep_alive = False
    return status, keep_alive, body


@dataclass
class Sample:
    kind: str
    url: str
    ms: float
    status: int


async def drive(
    port: int, requests: list[tuple[str, str]], concurrency: int
) -> tuple[list[Sample], float]:
    samples: list[Sample] = []
    queue = iter(requests)

    async def worker() -> None:
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        for kind, url in queue:
            head = (
                f"GET {url} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Accept: text/html\r\nAccept-Language: zh-hans\r\nConnection: keep-alive\r\n\r\n"
            ).encode()
            start = time.perf_counter()
            keep_alive = False
            try:
                # Connecting is part of the request's time (when the server closes a
                # connection, the next request opens a new one).
                if connection is None:
                    connection = await asyncio.open_connection("127.0.0.1", port)
                reader, writer = connection
                writer.write(head)
                await writer.drain()
                status, keep_alive, _body = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError):
                status = 599
            samples.append(Sample(kind, url, (time.perf_counter() - start) * 1000, status))
            if not keep_alive and connection is not None:
                connection[1].close()
                connection = None
        if connection is not None:
            connection[1].close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples, time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


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


def summarise(samples: list[Sample], kind: str, seconds: float) -> dict[str, float]:
    rows = [s for s in samples if s.kind == kind]
    ms = [s.ms for s in rows]
    ok = sum(1 for s in rows if s.status == 200)
    return {
        f"{kind}_p50_ms": round(statistics.median(ms), 1),
        f"{kind}_p95_ms": round(percentile(ms, 95), 1),
        f"{kind}_p99_ms": round(percentile(ms, 99), 1),
        f"{kind}_rps": round(ok / seconds, 1),
        f"{kind}_errors": len(rows) - ok,
    }


def flush_cache(env: dict[str, str]) -> None:
    """Empty the benchmark's part of the shared cache (its own Redis database and prefix)."""
    import redis

    client = redis.Redis.from_url(env["REDIS_URL"])
    for key in client.scan_iter(f"*{env['CACHE_PREFIX']}*"):
        client.delete(key)


def bench_http(
    env: dict[str, str], args: argparse.Namespace, load: Workload, *, prefix: str = ""
) -> dict[str, float]:
    rng = random.Random(args.seed)
    mixed = [("listing", u) for u in load.listing] + [("search", u) for u in load.search]
    flush_cache(env)
    server = subprocess.Popen(
        wsgi_server(workers=args.workers, threads=args.threads, port=args.port),
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_for(args.port)
        warm = [rng.choice(mixed) for _ in range(args.warmup)]
        asyncio.run(drive(args.port, warm, args.concurrency))
        run = [rng.choice(mixed) for _ in range(args.requests)]
        samples, seconds = asyncio.run(drive(args.port, run, args.concurrency))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    statuses = Counter(s.status for s in samples)
    distinct = len({s.url for s in samples})
    print(
        f"{prefix or 'http'}: {len(samples)} requests ({distinct} distinct addresses), "
        f"{args.concurrency} clients, {args.workers} workers of {args.threads} threads, "
        f"{seconds:.1f} s: "
        f"statuses {dict(statuses)}"
    )
    result: dict[str, float] = {f"{prefix}http_rps": round(len(samples) / seconds, 1)}
    for kind in ("listing", "search"):
        figures = summarise(samples, kind, seconds)
        result.update({f"{prefix}{k}": v for k, v in figures.items()})
        print(
            f"  {kind}: p50 {figures[f'{kind}_p50_ms']} ms, p95 {figures[f'{kind}_p95_ms']} ms, "
            f"p99 {figures[f'{kind}_p99_ms']} ms, {figures[f'{kind}_rps']} req/s"
        )
    slowest = sorted(samples, key=lambda s: s.ms, reverse=True)[:5]
    for sample in slowest:
        print(f"  slow: {sample.ms:.0f} ms {sample.kind} {sample.url}")
    return result


# --- masking ---------------------------------------------------------------------------------


def _id_number(rng: random.Random) -> str:
    from interaction.privacy.masking import id_check_digit

    first = (
        f"{rng.choice(['430102', '430104', '110105', '440305'])}"
        f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        f"{rng.randint(0, 999):03d}"
    )
    return first + id_check_digit(first)


def _card(rng: random.Random) -> str:
    from interaction.privacy.masking import luhn_ok

    while True:
        digits = "62" + "".join(str(rng.randint(0, 9)) for _ in range(17))
        if luhn_ok(digits):
            return digits


def masking_corpus(seed: int, limit_bytes: int = 8_000_000) -> tuple[list[tuple[str, str]], str]:
    """(text, writer's name) pairs: real messages when the data is beside the repository, else
    demo messages; personal data put into a third of them, as citizens write it."""
    rng = random.Random(seed)
    texts: list[str] = []
    source = "demo"
    if REAL_MESSAGES.exists():
        with REAL_MESSAGES.open(encoding="utf-8") as handle:
            texts = [f"{row['subject']}\n{row['body']}" for row in csv.DictReader(handle)]
        source = "teddy2020"
    else:
        from interaction.demo.content import Composer

        composer = Composer()
        texts = [composer.compose(rng, composer.pick_category(rng)).text for _ in range(20000)]
    pairs: list[tuple[str, str]] = []
    size = 0
    while size < limit_bytes:
        text = rng.choice(texts)
        name = person(rng)
        if rng.random() < 0.35:
            extras = [
                f"我是{name}，电话{phone(rng)}",
                f"身份证号{_id_number(rng)}",
                f"联系{name[0]}先生{phone(rng)[:3]}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                f"银行卡{_card(rng)}",
                f"车牌湘A{rng.randint(10000, 99999)}",
                f"座机0731-{rng.randint(20000000, 89999999)}",
            ]
            cut = rng.randint(0, len(text))
            text = text[:cut] + "，".join(rng.sample(extras, rng.randint(1, 3))) + text[cut:]
        pairs.append((text, name))
        size += len(text.encode())
    return pairs, source


def bench_masking(seed: int) -> dict[str, float]:
    from interaction.privacy.masking import mask

    pairs, source = masking_corpus(seed)
    total = sum(len(t.encode()) for t, _n in pairs)
    for text, name in pairs[:2000]:  # warm-up (compiled patterns, caches)
        mask(text, names=(name,))
    best = 0.0
    for _round in range(3):
        started = time.perf_counter()
        for text, name in pairs:
            mask(text, names=(name,))
        best = max(best, total / (time.perf_counter() - started) / 1e6)
    print(f"masking: {total / 1e6:.1f} MB of {source} messages, {best:.2f} MB/s (one core)")
    return {"masking_mb_per_s": round(best, 2), "masking_corpus_mb": round(total / 1e6, 1)}


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--pool", type=int, default=60_000)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--warmup", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the database of an earlier run (no reload)."
    )
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--skip-uncached", action="store_true", help="No second run without the list cache."
    )
    args = parser.parse_args()

    env = production_env(
        DB_NAME,
        label="public",
        redis_db=14,
        pool_max=4,
        CACHE_PREFIX="bench-public",
        WENZHENG_OPEN_DATA_DIR=str(ROOT / "var" / "bench-public-open-data"),
    )
    if not args.reuse:
        print("preparing database", DB_NAME, flush=True)
        recreate_database(DB_NAME)
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo_city", "--no-cases")  # the organisation and the people
    setup_django(env)
    started = time.perf_counter()
    pool = build_pool(args.pool, args.seed)
    print(f"composed {len(pool):,} distinct messages in {time.perf_counter() - started:.1f} s")
    if not args.reuse:
        started = time.perf_counter()
        fill_cases(args.cases, pool)
        print(f"inserted {args.cases:,} published cases in {time.perf_counter() - started:.1f} s")
    result: dict[str, float] = {}
    if not args.skip_http:
        load = workload(pool, args.seed)
        # As in production: rendered pages and counts shared through the cache (Redis).
        result.update(bench_http(env, args, load))
        if not args.skip_uncached:
            # Every request computed afresh: what the database and the rendering cost.
            uncached = {**env, "WENZHENG_PUBLIC_LIST_CACHE_SECONDS": "0"}
            result.update(bench_http(uncached, args, load, prefix="uncached_"))
    result.update(bench_masking(args.seed))
    ordered = {
        "search_p95_ms": result.get("search_p95_ms"),
        "listing_p95_ms": result.get("listing_p95_ms"),
        "masking_mb_per_s": result["masking_mb_per_s"],
        **result,
    }
    print(json.dumps(ordered))


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    main()
