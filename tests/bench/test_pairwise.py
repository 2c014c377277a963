"""bench/pairwise.py: pairwise precision/recall/F1 and ARI, checked on hand-computed cases."""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

import pytest

from bench.pairwise import label_counts, load_labels, pairwise_scores

# Three true groups: {a, b, c}, {d, e}, {f} -> 3 + 1 = 4 same-group pairs among C(6, 2) = 15.
TRUTH = {"a": "t1", "b": "t1", "c": "t1", "d": "t2", "e": "t2", "f": "t3"}

LABELS_FILE = Path(__file__).resolve().parents[2] / "bench" / "hot_issue_labels.csv"


def test_perfect_grouping_scores_one_whatever_the_group_keys() -> None:
    predicted = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "y", "f": "z"}

    scores = pairwise_scores(predicted, TRUTH)

    assert scores["precision"] == 1.0
    assert scores["recall"] == 1.0
    assert scores["f1"] == 1.0
    assert scores["ari"] == 1.0
    assert (scores["pairs_true"], scores["pairs_predicted"], scores["pairs_both"]) == (4, 4, 4)
    assert scores["n"] == 6


def test_ari_of_identical_partitions_is_one_even_when_all_singletons() -> None:
    singletons = {"a": "1", "b": "2", "c": "3"}

    assert pairwise_scores(singletons, singletons)["ari"] == 1.0
    assert pairwise_scores(TRUTH, TRUTH)["ari"] == 1.0


def test_all_singletons_finds_no_pair() -> None:
    predicted = {key: key for key in TRUTH}

    scores = pairwise_scores(predicted, TRUTH)

    # No predicted pair: nothing claimed, nothing wrong (precision 1), nothing found (recall 0).
    assert scores["precision"] == 1.0
    assert scores["recall"] == 0.0
    assert scores["f1"] == 0.0
    # tp=0 fp=0 fn=4 tn=11: 2*(0*11 - 4*0) / (4*15 + 0*11) = 0.
    assert scores["ari"] == 0.0


def test_ids_missing_from_the_prediction_count_as_singletons() -> None:
    assert pairwise_scores({}, TRUTH) == pairwise_scores({k: k for k in TRUTH}, TRUTH)
    # Leaving out "c" is the same as predicting it alone.
    without_c = {"a": "x", "b": "x", "d": "y", "e": "y", "f": "z"}
    c_alone = {**without_c, "c": "only-c"}
    assert pairwise_scores(without_c, TRUTH) == pairwise_scores(c_alone, TRUTH)


def test_predicted_ids_outside_the_truth_are_ignored() -> None:
    predicted = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "y", "f": "z", "q": "x", "r": "y"}

    scores = pairwise_scores(predicted, TRUTH)

    assert scores["n"] == 6
    assert scores["pairs_predicted"] == 4
    assert scores["ari"] == 1.0


def test_one_merge_of_two_true_groups() -> None:
    # {a..e} merged, f alone: P = C(5,2) = 10 predicted pairs, 4 of them true.
    predicted = {"a": "x", "b": "x", "c": "x", "d": "x", "e": "x", "f": "z"}

    scores = pairwise_scores(predicted, TRUTH)

    assert scores["pairs_predicted"] == 10
    assert scores["pairs_both"] == 4
    assert scores["precision"] == pytest.approx(0.4)
    assert scores["recall"] == 1.0
    assert scores["f1"] == pytest.approx(2 * 0.4 / 1.4)
    # Hubert-Arabie: (4 - 10*4/15) / ((10+4)/2 - 10*4/15) = 40/130.
    assert scores["ari"] == pytest.approx(40 / 130)


def test_one_split_of_a_true_group() -> None:
    # {a, b, c} split into {a, b} and {c}: 2 predicted pairs, both true; 2 of 4 true pairs found.
    predicted = {"a": "x", "b": "x", "c": "w", "d": "y", "e": "y", "f": "z"}

    scores = pairwise_scores(predicted, TRUTH)

    assert scores["precision"] == 1.0
    assert scores["recall"] == pytest.approx(0.5)
    assert scores["f1"] == pytest.approx(2 / 3)
    # (2 - 2*4/15) / ((2+4)/2 - 2*4/15) = 44/74.
    assert scores["ari"] == pytest.approx(44 / 74)


def test_wrong_pairs_only_give_zero_precision_and_negative_or_zero_ari() -> None:
    truth = {"a": "1", "b": "1", "c": "2", "d": "2"}
    predicted = {"a": "x", "c": "x", "b": "y", "d": "y"}

    scores = pairwise_scores(predicted, truth)

    assert scores["precision"] == 0.0
    assert scores["recall"] == 0.0
    assert scores["f1"] == 0.0
    # (0 - 2*2/6) / (2 - 2*2/6) = -0.5: worse than chance.
    assert scores["ari"] == pytest.approx(-0.5)


def test_ari_is_symmetric_and_precision_recall_swap() -> None:
    predicted = {"a": "x", "b": "x", "c": "w", "d": "x", "e": "y", "f": "y"}

    forward = pairwise_scores(predicted, TRUTH)
    backward = pairwise_scores(TRUTH, predicted)

    assert forward["ari"] == pytest.approx(backward["ari"])
    assert forward["precision"] == pytest.approx(backward["recall"])
    assert forward["recall"] == pytest.approx(backward["precision"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ari_agrees_with_scikit_learn_on_random_partitions(seed: int) -> None:
    from sklearn.metrics import adjusted_rand_score

    rng = random.Random(seed)
    ids = [str(i) for i in range(300)]
    truth = {i: f"t{rng.randrange(40)}" for i in ids}
    predicted = {i: f"p{rng.randrange(60)}" for i in ids}

    ours = pairwise_scores(predicted, truth)["ari"]
    theirs = adjusted_rand_score([truth[i] for i in ids], [predicted[i] for i in ids])

    assert ours == pytest.approx(theirs, abs=1e-12)


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_load_labels_reads_id_and_group_and_ignores_other_columns(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "labels.csv",
        [
            ["id", "group", "group_title"],
            ["101", "g1", "某小区噪音"],
            [" 102 ", "g1", ""],
            ["103", "s1", ""],
        ],
    )

    assert load_labels(path) == {"101": "g1", "102": "g1", "103": "s1"}


def test_load_labels_rejects_a_duplicated_id(tmp_path: Path) -> None:
    path = _write(tmp_path / "labels.csv", [["id", "group"], ["101", "g1"], ["101", "g2"]])

    with pytest.raises(ValueError, match="id 101 appears twice"):
        load_labels(path)


def test_load_labels_rejects_a_file_without_group_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "labels.csv", [["id", "cluster"], ["101", "g1"]])

    with pytest.raises(ValueError, match="needs the columns 'id' and 'group'"):
        load_labels(path)


def test_load_labels_rejects_an_empty_group(tmp_path: Path) -> None:
    path = _write(tmp_path / "labels.csv", [["id", "group"], ["101", ""]])

    with pytest.raises(ValueError, match=r":2: empty id or group"):
        load_labels(path)


def test_label_counts_describes_sizes_and_pairs() -> None:
    counts = label_counts(TRUTH)

    assert counts["messages"] == 6
    assert counts["groups"] == 3
    assert counts["groups_of_2_plus"] == 2
    assert counts["singletons"] == 1
    assert counts["same_group_pairs"] == 4
    assert counts["size_distribution"] == {"1": 1, "2": 1, "3": 1}


def test_committed_hand_labels_parse_and_meet_the_brief() -> None:
    labels = load_labels(LABELS_FILE)
    counts = label_counts(labels)

    assert counts["messages"] >= 350
    assert counts["groups_of_2_plus"] >= 30
    assert all(message_id.isdigit() for message_id in labels)
    # Every group has one title, and every group of 2+ has a non-empty one.
    with open(LABELS_FILE, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    titles: dict[str, set[str]] = {}
    for row in rows:
        titles.setdefault(row["group"], set()).add(row["group_title"])
    assert all(len(t) == 1 for t in titles.values())
    sizes = Counter(labels.values())
    assert all(next(iter(titles[g])) for g, size in sizes.items() if size >= 2)


def test_command_line_drops_groups_before_scoring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from bench.pairwise import main

    truth = _write(tmp_path / "truth.csv", [["id", "group"], *[[k, v] for k, v in TRUTH.items()]])
    predicted = _write(
        tmp_path / "pred.csv",
        [["id", "group"], ["a", "x"], ["b", "x"], ["c", "x"], ["d", "x"], ["e", "x"], ["f", "z"]],
    )

    assert main([str(truth), str(predicted), "--drop-groups", "t2"]) == 0

    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # Without d and e the merge is harmless: {a, b, c} predicted together, as in the truth.
    assert result["truth"]["messages"] == 4
    assert result["scores"]["precision"] == 1.0
    assert result["scores"]["ari"] == 1.0


def test_command_line_refuses_an_unknown_group(tmp_path: Path) -> None:
    from bench.pairwise import main

    truth = _write(tmp_path / "truth.csv", [["id", "group"], ["a", "t1"]])

    with pytest.raises(SystemExit):
        main([str(truth), "--drop-groups", "nope"])
