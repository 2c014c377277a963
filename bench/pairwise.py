"""Pairwise agreement between two groupings of the same messages (plain Python, no Django).

Used to score hot-issue grouping against the hand labels in ``bench/hot_issue_labels.csv``
(see ``bench/hot_issue_labels.md``). A grouping is a mapping ``message id -> group key``.

Every score is computed over the ids of the *truth* mapping only: predicted ids that are not in
the truth are ignored, and truth ids missing from the prediction count as singletons (each in a
group of its own). Pairs are counted from the contingency table of the two partitions, never by
enumerating pairs, so the cost is linear in the number of messages.

For a partition with group sizes s_1..s_k the number of same-group pairs is sum C(s_i, 2).
With TP = pairs together in both groupings, P = pairs together in the prediction and
T = pairs together in the truth:

* precision = TP / P, recall = TP / T, F1 = their harmonic mean;
* the adjusted Rand index (Hubert & Arabie 1985) from the pair confusion counts, with the same
  limit convention as scikit-learn: two partitions that agree on every pair score 1.0.

A grouping with no same-group pair at all has nothing to be wrong about: its precision is 1.0
(and likewise recall is 1.0 when the truth has no pair). The raw pair counts are returned too.

Command line::

    .venv/bin/python bench/pairwise.py bench/hot_issue_labels.csv            # counts
    .venv/bin/python bench/pairwise.py bench/hot_issue_labels.csv pred.csv   # + scores
    .venv/bin/python bench/pairwise.py bench/hot_issue_labels.csv pred.csv --drop-groups g001 g002

Both files are CSV with (at least) the columns ``id`` and ``group``. The last line printed is
one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _sum_pairs(sizes: Iterable[int]) -> int:
    return sum(_pairs(s) for s in sizes)


def pairwise_scores(predicted: Mapping[str, str], truth: Mapping[str, str]) -> dict:
    """Pairwise precision, recall, F1 and adjusted Rand index of ``predicted`` against ``truth``.

    Only the ids of ``truth`` are scored; an id absent from ``predicted`` is a singleton there.
    Returns a dict with ``precision``, ``recall``, ``f1``, ``ari`` (floats) and the counts
    ``n`` (messages scored), ``pairs_true``, ``pairs_predicted`` and ``pairs_both``.
    """
    n = len(truth)
    missing = object()
    cells: Counter[tuple[object, str]] = Counter()
    for position, (message_id, true_group) in enumerate(truth.items()):
        predicted_group = predicted.get(message_id, missing)
        if predicted_group is missing:
            # A message the prediction did not place is alone in a group of its own.
            predicted_group = ("unplaced", position)
        cells[(predicted_group, true_group)] += 1

    predicted_sizes: Counter[object] = Counter()
    true_sizes: Counter[str] = Counter()
    for (predicted_group, true_group), count in cells.items():
        predicted_sizes[predicted_group] += count
        true_sizes[true_group] += count

    both = _sum_pairs(cells.values())
    pairs_predicted = _sum_pairs(predicted_sizes.values())
    pairs_true = _sum_pairs(true_sizes.values())
    total = _pairs(n)

    precision = both / pairs_predicted if pairs_predicted else 1.0
    recall = both / pairs_true if pairs_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    # Pair confusion counts: together in both, only predicted, only true, apart in both.
    tp = both
    fp = pairs_predicted - both
    fn = pairs_true - both
    tn = total - pairs_predicted - pairs_true + both
    if fp == 0 and fn == 0:
        ari = 1.0
    else:
        ari = 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))

    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "ari": ari,
        "n": n,
        "pairs_true": pairs_true,
        "pairs_predicted": pairs_predicted,
        "pairs_both": both,
    }


def load_labels(path: str | Path) -> dict[str, str]:
    """Read a CSV with the columns ``id`` and ``group`` into ``{id: group}``.

    Other columns (such as ``group_title``) are ignored. Raises ``ValueError`` when a column is
    missing, an id or group is empty, or an id appears twice.
    """
    labels: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or [])
        if not {"id", "group"} <= columns:
            raise ValueError(f"{path}: needs the columns 'id' and 'group', has {sorted(columns)}")
        for line, row in enumerate(reader, start=2):
            message_id = (row["id"] or "").strip()
            group = (row["group"] or "").strip()
            if not message_id or not group:
                raise ValueError(f"{path}:{line}: empty id or group")
            if message_id in labels:
                raise ValueError(f"{path}:{line}: id {message_id} appears twice")
            labels[message_id] = group
    return labels


def label_counts(labels: Mapping[str, str]) -> dict:
    """Counts describing a grouping: messages, groups, groups of 2+, singletons, pairs, sizes."""
    sizes = Counter(labels.values())
    size_distribution = Counter(sizes.values())
    return {
        "messages": len(labels),
        "groups": len(sizes),
        "groups_of_2_plus": sum(1 for s in sizes.values() if s >= 2),
        "singletons": sum(1 for s in sizes.values() if s == 1),
        "messages_in_groups_of_2_plus": sum(s for s in sizes.values() if s >= 2),
        "same_group_pairs": _sum_pairs(sizes.values()),
        "largest_group": max(sizes.values(), default=0),
        "size_distribution": {
            str(size): size_distribution[size] for size in sorted(size_distribution)
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("truth", help="CSV with columns id,group (the hand labels)")
    parser.add_argument("predicted", nargs="?", help="CSV with columns id,group to score")
    parser.add_argument(
        "--drop-groups",
        nargs="+",
        default=[],
        metavar="GROUP",
        help="leave these truth groups (and their messages) out, e.g. the two largest",
    )
    args = parser.parse_args(argv)

    truth = load_labels(args.truth)
    if args.drop_groups:
        unknown = set(args.drop_groups) - set(truth.values())
        if unknown:
            parser.error(f"no such group in {args.truth}: {', '.join(sorted(unknown))}")
        truth = {key: group for key, group in truth.items() if group not in args.drop_groups}
    result: dict = {"truth": label_counts(truth)}
    counts = result["truth"]
    print(
        f"{args.truth}: {counts['messages']} messages, {counts['groups_of_2_plus']} groups of 2+ "
        f"({counts['messages_in_groups_of_2_plus']} messages), {counts['singletons']} singletons, "
        f"{counts['same_group_pairs']} same-group pairs, largest group {counts['largest_group']}"
    )
    print("group size -> number of groups:", counts["size_distribution"])
    if args.predicted:
        scores = pairwise_scores(load_labels(args.predicted), truth)
        result["scores"] = scores
        print(
            f"pairwise precision {scores['precision']:.4f}  recall {scores['recall']:.4f}  "
            f"F1 {scores['f1']:.4f}  ARI {scores['ari']:.4f}  "
            f"(pairs: predicted {scores['pairs_predicted']}, true {scores['pairs_true']}, "
            f"both {scores['pairs_both']})"
        )
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
