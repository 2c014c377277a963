"""Hot-issue grouping benchmark (a benchmark, not a test: it prints figures).

1. Quality on real data: the grouping engine (`classifier.grouping`) groups all 4,326 messages of
   `../shared/data/teddy2020/hot_issues.csv` in the order of their `time` column (the order they
   arrived), then the grouping is scored on the hand-labelled ids of `bench/hot_issue_labels.csv`
   with `bench/pairwise.py` (pairwise precision, recall, F1, adjusted Rand index). Also scored on
   `bench/grouping_devset.csv`, the smaller check set the engine was developed against.
2. Incremental, engine path: with the index warm (it holds the 4,326 real messages), 300 more
   messages (real texts with their places renamed, dated after the last one) are added one by
   one; per message: tokenising, place extraction, candidate lookup, scoring, joining.
3. Full regrouping of 100,000 messages through the real command: a PostgreSQL database of its
   own (`wenzheng_bench_grouping`, created here, dropped at the end unless `--keep`) is filled with
   100,000 cases whose text comes from the real messages, 24 copies with their estates, roads …
   renamed per copy and their dates moved by 30 days per copy (two years in all); then
   `manage.py regroup_messages` runs as a child process: wall time and the child's peak memory
   (max RSS from wait4).
4. Incremental, service path: a child process keeps a `Grouper` warm on that database (its load
   time is printed) and groups 50 new cases one run at a time (`Grouper.run_once`: engine, group
   rows, memberships, repeat complaints, figures, all in one transaction with the lock), then 25
   more in one run (what a `group_messages --every 5` tick finds when cases keep coming).
The real messages are read at run time and never written into the project.

The last line is one JSON object: `group_incremental_ms` (mean per message, engine path, step 2)
with `group_incremental_p50_ms`/`_p99_ms`; `group_service_single_ms`/`_p99_ms` (one new case per
run) and `group_service_batch_ms_per_case` (a batch of new cases in one run), step 4;
`regroup_100k_seconds` (wall), `regroup_100k_cpu_seconds`, `regroup_peak_mb`;
`grouping_pair_precision`, `grouping_pair_recall`, `grouping_pair_f1`, `grouping_ari`, and the
same on the development set (`devset_…`).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time

from benchdb import PG, PY, ROOT, drop_database, manage, production_env, recreate_database

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DATA = ROOT.parent / "shared" / "data" / "teddy2020" / "hot_issues.csv"
LABELS = ROOT / "bench" / "hot_issue_labels.csv"
DEVSET = ROOT / "bench" / "grouping_devset.csv"
DB_NAME = "wenzheng_bench_grouping"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Two characters that start a renamed place in copy k (copy 0 keeps the real names).
SYLLABLES = "东西南北金银松柏桃李梅兰竹菊春夏秋冬云山河湖星月"


def load_rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows.sort(key=lambda r: (r["time"], int(r["id"])))
    return rows


def when(row: dict[str, str]) -> dt.datetime:
    return dt.datetime.fromisoformat(row["time"]).replace(tzinfo=SHANGHAI)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- 1. quality ------------------------------------------------------------------------------


def quality(rows: list[dict[str, str]]) -> tuple[dict[str, object], object]:
    from pairwise import load_labels, pairwise_scores

    from classifier.grouping import GroupingEngine, Message

    engine = GroupingEngine()
    started = time.perf_counter()
    for row in rows:
        engine.add(Message(int(row["id"]), row["subject"], row["body"], when(row)))
    seconds = time.perf_counter() - started
    predicted = {str(k): str(v) for k, v in engine.group_of.items()}
    sizes: dict[str, int] = {}
    for key in predicted.values():
        sizes[key] = sizes.get(key, 0) + 1
    print(
        f"grouped {len(rows)} real messages in {seconds:.1f} s "
        f"({1000 * seconds / len(rows):.2f} ms each, tokenising included): "
        f"{sum(1 for n in sizes.values() if n > 1)} groups of 2+, largest {max(sizes.values())}"
    )
    result: dict[str, object] = {}
    for name, path, prefix in (("labels", LABELS, "grouping"), ("dev set", DEVSET, "devset")):
        if not path.exists():
            print(f"{path.name} not found: {name} not scored")
            continue
        truth = load_labels(str(path))
        scores = pairwise_scores(predicted, truth)
        print(
            f"{name} ({path.name}, {len(truth)} messages, {scores['pairs_true']} true pairs): "
            f"pairwise precision {scores['precision']:.3f}, recall {scores['recall']:.3f}, "
            f"F1 {scores['f1']:.3f}, ARI {scores['ari']:.3f}"
        )
        result[f"{prefix}_pair_precision"] = round(scores["precision"], 4)
        result[f"{prefix}_pair_recall"] = round(scores["recall"], 4)
        result[f"{prefix}_pair_f1"] = round(scores["f1"], 4)
        result[f"{prefix}_ari"] = round(scores["ari"], 4)
        # The two largest groups hold most of the pairs: the scores without them too.
        sizes_true: dict[str, int] = {}
        for group in truth.values():
            sizes_true[group] = sizes_true.get(group, 0) + 1
        largest = sorted(sizes_true, key=lambda g: -sizes_true[g])[:2]
        rest = {k: g for k, g in truth.items() if g not in largest}
        other = pairwise_scores(predicted, rest)
        print(
            f"  without its two largest groups ({', '.join(largest)}; {other['pairs_true']} true "
            f"pairs left): precision {other['precision']:.3f}, recall {other['recall']:.3f}, "
            f"ARI {other['ari']:.3f}"
        )
        result[f"{prefix}_rest_pair_precision"] = round(other["precision"], 4)
        result[f"{prefix}_rest_pair_recall"] = round(other["recall"], 4)
    return result, engine


# --- renamed copies of the real messages ------------------------------------------------------


def renamer(copy: int):
    """A function that renames the fine places of a text for copy `copy` (0: unchanged)."""
    from classifier.grouping import extract_places
    from classifier.tokenizer import normalize

    if copy == 0:
        return lambda text: text
    rng = random.Random(copy)
    prefix = "".join(rng.sample(SYLLABLES, 2))

    def rename(text: str) -> str:
        for place in extract_places(normalize(text)):
            if place.fine and len(place.core) >= 3 and place.core in text:
                text = text.replace(place.core, prefix + place.core[2:])
        return text

    return rename


def synthetic(rows: list[dict[str, str]], total: int):
    """(subject, body, time) of `total` messages: copies of the real ones, copy k with its places
    renamed and its dates moved by 30·k days."""
    produced = 0
    copy = 0
    while produced < total:
        rename = renamer(copy)
        shift = dt.timedelta(days=30 * copy)
        for row in rows:
            if produced >= total:
                return
            yield rename(row["subject"])[:100], rename(row["body"]), when(row) + shift
            produced += 1
        copy += 1


def later(rows: list[dict[str, str]], copy: int, after: dt.datetime):
    """(subject, body, time) of new messages: `rows` renamed as copy `copy`, dated after `after`
    one minute apart (they can join the groups of that copy still in their window)."""
    rename = renamer(copy)
    for i, row in enumerate(rows, start=1):
        yield rename(row["subject"])[:100], rename(row["body"]), after + dt.timedelta(minutes=i)


# --- 2. incremental, engine path ------------------------------------------------------------


def engine_incremental(engine: object, rows: list[dict[str, str]], n: int) -> list[float]:
    from classifier.grouping import Message

    last = when(rows[-1])
    timings = []
    next_id = 10_000_000
    for subject, body, moment in later(random.Random(5).sample(rows, n), 0, last):
        next_id += 1
        started = time.perf_counter()
        engine.add(Message(next_id, subject, body, moment))  # type: ignore[attr-defined]
        timings.append(1000 * (time.perf_counter() - started))
    return timings


# --- 3. the 100,000-case database -------------------------------------------------------------


COLUMNS = (
    "tracking_no, access_token, contact_name, contact_phone, kind, urgency, subject, body, address,"
    " allow_publish, keep_identity_secret, status, suggestions, auto_dispatched,"
    " category_confirmed, routing_note, model_version, stage_no, limit_days, extension_days,"
    " paused_days, calendar_unofficial, supervision_level, return_count, redo_count, is_problem,"
    " closure_reason, is_published, created_at, updated_at"
)


def fill_cases(rows: list[dict[str, str]], total: int) -> float:
    """Insert `total` cases with COPY, in time order (so ids follow the time, as in production)."""
    import psycopg

    started = time.perf_counter()
    messages = sorted(synthetic(rows, total), key=lambda m: m[2])
    # Dated up to yesterday: the new cases of the service path arrive in the groups' window.
    shift = dt.datetime.now(SHANGHAI) - dt.timedelta(days=1) - messages[-1][2]
    with psycopg.connect(f"{PG}/{DB_NAME}", autocommit=True) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY interaction_case ({COLUMNS}) FROM STDIN") as copy:
            for i, (subject, body, moment) in enumerate(messages, start=1):
                copy.write_row(
                    (
                        f"G{i:09d}",
                        f"{i:032x}",
                        "",
                        f"139{i % 100_000_000:08d}",
                        "complaint",
                        "normal",
                        subject,
                        body,
                        "",
                        True,
                        False,
                        "closed" if i % 3 else "handling",
                        "[]",
                        False,
                        False,
                        "",
                        "",
                        1,
                        13,
                        0,
                        0,
                        False,
                        0,
                        0,
                        0,
                        False,
                        "",
                        False,
                        moment + shift,
                        moment + shift,
                    )
                )
        conn.execute("ANALYZE interaction_case")
    return time.perf_counter() - started


def timed_regroup(env: dict[str, str]) -> tuple[float, float, float, str]:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(
        [PY, "manage.py", "regroup_messages"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = child.communicate()
    seconds = time.perf_counter() - started
    # communicate() reaped the child; RUSAGE_CHILDREN holds the largest child so far, and this
    # is the first child of this process that loads the engine (migrate ran earlier: smaller).
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = after.ru_maxrss / 1024
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if child.returncode:
        raise SystemExit(f"regroup_messages failed:\n{err[-3000:]}")
    return seconds, cpu, peak_mb, out.strip()


SERVICE_SCRIPT = r"""
import datetime as dt, json, statistics, sys, time
import django
django.setup()
from django.utils import timezone
from interaction.hotspots.grouping import Grouper
from interaction.models import Case
texts = json.loads(sys.stdin.read())
grouper = Grouper()
t = time.perf_counter(); grouper.run_once(); load = time.perf_counter() - t
# After a load, the recent cases that were alone are scored again (a run takes 500 at most):
# let them be, so that each timed run below finds only its own new case.
while grouper.run_once().grouped:
    pass
timings = []
for i, (subject, body) in enumerate(texts):
    Case.objects.create(tracking_no=f"N{i:09d}", contact_phone="13700000000", kind="complaint",
                        subject=subject[:100], body=body)
    t = time.perf_counter(); report = grouper.run_once(); timings.append(1000 * (time.perf_counter() - t))
    assert report.grouped == 1 and not report.reloaded, report.as_dict()
half = len(texts) // 2
for i, (subject, body) in enumerate(texts[:half]):  # a batch, as one `--every 5` tick finds it
    Case.objects.create(tracking_no=f"M{i:09d}", contact_phone="13700000001", kind="complaint",
                        subject=subject[:100], body=body)
t = time.perf_counter(); report = grouper.run_once(); batch = time.perf_counter() - t
assert report.grouped == half, report.as_dict()
print(json.dumps({"load_seconds": load, "timings": timings, "batch": half, "batch_seconds": batch}))
"""


def service_incremental(
    env: dict[str, str], rows: list[dict[str, str]], n: int, total: int
) -> dict:
    """New cases written like the newest copy in the database (they join its recent groups)."""
    picked = random.Random(9).sample(rows, n)
    newest = (total - 1) // len(rows)
    texts = [(s, b) for s, b, _t in later(picked, newest, dt.datetime.now(SHANGHAI))]
    done = subprocess.run(
        [PY, "-c", SERVICE_SCRIPT],
        cwd=ROOT,
        env=env,
        input=json.dumps(texts, ensure_ascii=False),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"service path failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000, help="size of the full regroup")
    parser.add_argument("--incremental", type=int, default=300, help="engine-path messages")
    parser.add_argument("--service", type=int, default=50, help="service-path messages")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--quality-only", action="store_true", help="steps 1 and 2 only")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.test")

    print(f"load: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores", flush=True)
    rows = load_rows()
    result, engine = quality(rows)
    timings = engine_incremental(engine, rows, args.incremental)
    engine_p50, engine_p99 = percentile(timings, 50), percentile(timings, 99)
    print(
        f"incremental, engine path (warm index of {len(rows)} real messages), "
        f"{len(timings)} messages: mean {statistics.mean(timings):.2f} ms, "
        f"p50 {engine_p50:.2f} ms, p99 {engine_p99:.2f} ms"
    )
    # The contract's figure: per message added to the warm index of the real messages (engine).
    result.update(
        group_incremental_ms=round(statistics.mean(timings), 2),
        group_incremental_p50_ms=round(engine_p50, 2),
        group_incremental_p99_ms=round(engine_p99, 2),
    )
    if not args.quality_only:
        env = production_env(DB_NAME, label="grouping", redis_db=13, pool_max=2)
        recreate_database(DB_NAME)
        manage(env, "migrate", "--noinput")
        seconds = fill_cases(rows, args.cases)
        print(f"inserted {args.cases} cases into {DB_NAME} in {seconds:.1f} s", flush=True)
        wall, cpu, peak, out = timed_regroup(env)
        print(
            f"regroup_messages over {args.cases} cases: {wall:.1f} s wall, {cpu:.1f} s CPU "
            f"(the process's own), peak {peak:.0f} MB: {out}"
        )
        result.update(
            regroup_100k_seconds=round(wall, 1),
            regroup_100k_cpu_seconds=round(cpu, 1),
            regroup_peak_mb=round(peak),
        )
        service = service_incremental(env, rows, args.service, args.cases)
        times = service["timings"]
        print(
            f"incremental, service path (warm Grouper on {args.cases} cases, loaded in "
            f"{service['load_seconds']:.1f} s), {len(times)} new cases one run each: "
            f"mean {statistics.mean(times):.1f} ms, p50 {percentile(times, 50):.1f} ms, "
            f"p99 {percentile(times, 99):.1f} ms"
        )
        per_message = 1000 * service["batch_seconds"] / service["batch"]
        print(
            f"incremental, service path, a batch of {service['batch']} new cases in one run: "
            f"{1000 * service['batch_seconds']:.0f} ms, {per_message:.1f} ms per case"
        )
        result.update(
            group_service_single_ms=round(statistics.mean(times), 1),
            group_service_single_p99_ms=round(percentile(times, 99), 1),
            group_service_batch_ms_per_case=round(per_message, 1),
            grouper_load_seconds=round(service["load_seconds"], 1),
        )
        if not args.keep:
            drop_database(DB_NAME)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
