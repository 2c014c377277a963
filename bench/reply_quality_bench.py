"""Benchmark of the reply-quality scorer on the real replies of the Teddy Cup 2020 data (not a test).

Usage (from the repository root):  .venv/bin/python bench/reply_quality_bench.py [--data PATH]
                                   [--limit-days 13] [--examples 3]

Scores all replies of ``../shared/data/teddy2020/replies.csv`` with ``classifier.reply_quality``
(the parameters in effect: defaults, or WENZHENG_REPLY_QUALITY_WEIGHTS / _WEAK), timeliness from
the message time to the reply time in Chinese working days (the official calendar, as the
platform counts them) against ``--limit-days`` working days (the board's own limit is not in the
data; 13 is the platform's default for complaints, suggestions and reports). Prints:
- the distribution of each sub-score and of the overall score (mean, percentiles, a histogram);
- the share flagged weak, by threshold, and how often each reason is given;
- scoring speed (one core), after the IDF table and the tokenizer are built (timed apart);
- agreement with the three third-party label columns: their values, and for each score the AUC
  (probability that a reply labelled 1 scores higher than one labelled 0, ties half) and
  Spearman's rho; the weak share within each label;
- sensitivity to the IDF table: relevance recomputed with an IDF table built from the 2,816 real
  messages themselves (Spearman against the shipped table, change in the weak share);
- a few examples: ids and scores only, never text.
The last line is one JSON object with the summary figures.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from backend.organisation.workcalendar import WorkCalendar  # noqa: E402
from classifier import reply_quality as rq  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "teddy2020" / "replies.csv"
SCORES = ("relevance", "completeness", "interpretability", "timeliness", "overall")
LABELS = ("interpretability_syucryingstar", "completeness_rollbear", "interpretability_rollbear")
PERCENTILES = (10, 25, 50, 75, 90)


def say(line: str = "") -> None:
    print(line, flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def histogram(values: Sequence[float], width: int = 40) -> list[str]:
    bins = [0] * 10
    for v in values:
        bins[min(int(v * 10), 9)] += 1
    top = max(bins) or 1
    lines = []
    for i, n in enumerate(bins):
        label = f"[{i / 10:.1f},{(i + 1) / 10:.1f}{']' if i == 9 else ')'}"
        lines.append(f"  {label:<10} {n:5d} {n / len(values):6.1%} {'#' * round(width * n / top)}")
    return lines


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Mann-Whitney AUC of `scores` for the positive label 1 (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    ranked = sorted((s, i) for i, s in enumerate(pos + neg))
    ranks = [0.0] * len(ranked)
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[ranked[k][1]] = (i + j) / 2 + 1
        i = j + 1
    rank_sum = sum(ranks[: len(pos)])
    return (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit-days", type=float, default=13.0)
    parser.add_argument("--examples", type=int, default=3)
    args = parser.parse_args()

    with args.data.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    say(f"data: {args.data} ({len(rows)} replies)")
    params = rq.params_from_env()
    say(f"weights: {dict(params.weights)}; weak when under: {dict(params.weak)}")
    figures: dict[str, Any] = {"replies": len(rows), "limit_days": args.limit_days}

    calendar = WorkCalendar()
    used_days = [
        rq.working_days_between(
            dt.datetime.fromisoformat(r["time"]),
            dt.datetime.fromisoformat(r["reply_time"]),
            calendar.is_workday,
        )
        for r in rows
    ]

    scorer = rq.ReplyScorer(params)
    started = time.perf_counter()
    scorer.score(subject="预热", body="预热", reply="预热")  # tokenizer + IDF table
    figures["warmup_seconds"] = round(time.perf_counter() - started, 3)
    figures["idf_documents"] = scorer.idf.documents

    results: list[rq.ReplyScore] = []
    per_reply: list[float] = []
    started = time.perf_counter()
    for r, used in zip(rows, used_days, strict=True):
        t0 = time.perf_counter()
        results.append(
            scorer.score(
                subject=r["subject"],
                body=r["body"],
                reply=r["reply"],
                days_used=used,
                days_allowed=args.limit_days,
            )
        )
        per_reply.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    chars = sum(len(r["subject"]) + len(r["body"]) + len(r["reply"]) for r in rows)
    figures["score_seconds"] = round(total, 3)
    figures["replies_per_s"] = round(len(rows) / total, 1)
    figures["ms_per_reply_p50"] = round(1000 * statistics.median(per_reply), 3)
    figures["ms_per_reply_p99"] = round(1000 * percentile(per_reply, 99), 3)
    figures["chars_per_s"] = round(chars / total)
    say(
        f"speed: {len(rows)} replies in {total:.2f} s = {figures['replies_per_s']} replies/s "
        f"({figures['chars_per_s']:,} chars/s of message + reply), per reply p50 "
        f"{figures['ms_per_reply_p50']} ms, p99 {figures['ms_per_reply_p99']} ms; warm-up "
        f"(tokenizer, IDF table of {figures['idf_documents']} documents) "
        f"{figures['warmup_seconds']} s"
    )

    say()
    say(
        f"working days from message to reply: p25 {percentile(used_days, 25):.1f}, median "
        f"{percentile(used_days, 50):.1f}, p75 {percentile(used_days, 75):.1f}, p90 "
        f"{percentile(used_days, 90):.1f}; beyond {args.limit_days:g} days: "
        f"{sum(u > args.limit_days for u in used_days) / len(rows):.1%}"
    )
    figures["days_used_median"] = round(percentile(used_days, 50), 2)
    figures["late_share"] = round(sum(u > args.limit_days for u in used_days) / len(rows), 4)

    distributions: dict[str, dict[str, float]] = {}
    for name in SCORES:
        values = [getattr(s, name) for s in results if getattr(s, name) is not None]
        stats = {"mean": statistics.mean(values)}
        stats.update({f"p{p}": percentile(values, p) for p in PERCENTILES})
        stats["share_0"] = sum(v == 0 for v in values) / len(values)
        stats["share_1"] = sum(v == 1 for v in values) / len(values)
        distributions[name] = {k: round(v, 4) for k, v in stats.items()}
        say()
        say(
            f"{name}: mean {stats['mean']:.3f}, "
            + ", ".join(f"p{p} {stats[f'p{p}']:.3f}" for p in PERCENTILES)
            + f"; exactly 0: {stats['share_0']:.1%}, exactly 1: {stats['share_1']:.1%}"
        )
        for line in histogram(values):
            say(line)
    figures["distributions"] = distributions

    weak = [s for s in results if s.weak]
    figures["weak_share"] = round(len(weak) / len(results), 4)
    by = Counter(key for s in weak for key in s.weak_by)
    only = Counter(s.weak_by[0] for s in weak if len(s.weak_by) == 1)
    figures["weak_by"] = {k: round(n / len(results), 4) for k, n in by.most_common()}
    say()
    say(f"flagged weak: {len(weak)} of {len(results)} ({len(weak) / len(results):.1%})")
    for key, n in by.most_common():
        say(
            f"  {key:<16} under its threshold in {n:5d} ({n / len(results):.1%} of all); "
            f"the only reason in {only.get(key, 0)}"
        )
    reasons_all = Counter(c for s in results for c in set(s.reason_codes()))
    reasons_weak = Counter(c for s in weak for c in set(s.reason_codes()))
    figures["reasons"] = {c: round(n / len(results), 4) for c, n in reasons_all.most_common()}
    say("reasons given (share of all replies / of weak replies):")
    for code, n in reasons_all.most_common():
        say(
            f"  {code:<16} {n / len(results):6.1%}   {reasons_weak.get(code, 0) / max(1, len(weak)):6.1%}"
        )

    say()
    say("agreement with the third-party labels of the file:")
    agreement: dict[str, dict[str, Any]] = {}
    for column in LABELS:
        counts = Counter(r[column] for r in rows)
        labelled = [(s, int(r[column])) for s, r in zip(results, rows, strict=True) if r[column]]
        say(
            f"  {column}: values {dict(sorted(counts.items()))} "
            f"('' = not labelled); {len(labelled)} labelled"
        )
        entry: dict[str, Any] = {"labelled": len(labelled)}
        ys = [y for _s, y in labelled]
        for name in SCORES:
            pairs = [(getattr(s, name), y) for s, y in labelled if getattr(s, name) is not None]
            xs, ly = [p[0] for p in pairs], [p[1] for p in pairs]
            entry[f"auc_{name}"] = round(auc(xs, ly), 4)
            entry[f"spearman_{name}"] = round(spearman(xs, ly), 4)
            say(
                f"    {name:<16} AUC {entry[f'auc_{name}']:.3f}   "
                f"Spearman {entry[f'spearman_{name}']:+.3f}"
            )
        for value in (0, 1):
            group = [s for s, y in labelled if y == value]
            share = sum(s.weak for s in group) / len(group) if group else 0.0
            entry[f"weak_share_label_{value}"] = round(share, 4)
        say(
            f"    flagged weak: {entry['weak_share_label_0']:.1%} of those labelled 0, "
            f"{entry['weak_share_label_1']:.1%} of those labelled 1 (n = "
            f"{ys.count(0)} / {ys.count(1)})"
        )
        agreement[column] = entry
    figures["agreement"] = agreement

    say()
    real_idf = rq.idf_from_texts((f"{r['subject']} {r['body']}" for r in rows), general=True)
    other = rq.ReplyScorer(params, idf=real_idf)
    alt = [
        other.score(
            subject=r["subject"],
            body=r["body"],
            reply=r["reply"],
            days_used=u,
            days_allowed=args.limit_days,
        )
        for r, u in zip(rows, used_days, strict=True)
    ]
    rho = spearman([s.relevance for s in results], [s.relevance for s in alt])
    weak_alt = sum(s.weak for s in alt) / len(alt)
    flips = sum(a.weak != b.weak for a, b in zip(results, alt, strict=True)) / len(alt)
    figures["idf_sensitivity"] = {
        "relevance_spearman": round(rho, 4),
        "weak_share_real_idf": round(weak_alt, 4),
        "weak_flag_changed": round(flips, 4),
    }
    say(
        "IDF table built from the real messages instead of the demo corpus: relevance Spearman "
        f"{rho:.3f} against the shipped table; weak share {weak_alt:.1%} (shipped "
        f"{figures['weak_share']:.1%}); weak flag changed for {flips:.1%} of the replies"
    )

    say()
    order = sorted(range(len(results)), key=lambda i: (results[i].overall, rows[i]["id"]))
    mid = len(order) // 2
    picks = {
        "lowest": order[: args.examples],
        "median": order[mid - args.examples // 2 : mid - args.examples // 2 + args.examples],
        "highest": order[-args.examples :],
    }
    say("examples (ids and scores only):")
    examples: dict[str, list[dict[str, Any]]] = {}
    for group, indexes in picks.items():
        examples[group] = []
        for i in indexes:
            s = results[i]
            item = {
                "id": rows[i]["id"],
                **{name: getattr(s, name) for name in SCORES},
                "weak": s.weak,
                "reasons": s.reason_codes(),
            }
            examples[group].append(item)
            say(
                f"  {group:<8} id {item['id']:>6}: overall {s.overall:.3f} (R {s.relevance:.3f}, "
                f"C {s.completeness:.3f}, I {s.interpretability:.3f}, T {s.timeliness}) "
                f"{'WEAK ' if s.weak else ''}{','.join(s.reason_codes())}"
            )
    figures["examples"] = {g: [e["id"] for e in items] for g, items in examples.items()}

    say(json.dumps(figures, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
