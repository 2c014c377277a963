"""Benchmark of the message classifier on the real Teddy Cup 2020 data (not a test).

Usage (from the repository root):  .venv/bin/python bench/classifier_bench.py [--data PATH]

Measures, on one core (BLAS/OpenMP threads pinned to 1):
- grouped 5-fold cross-validation (exact duplicates of subject + body kept in one fold): in each
  fold the full ``classifier.train.evaluate`` runs, so the auto-dispatch threshold is chosen on
  the fold's training part only and its coverage/precision measured on the held-out part;
- training time on all data, batch throughput, single-message latency after warm-up;
- worker memory: a fresh subprocess loads tokenizer + model from a model store and reports its
  total RSS and its RSS minus the bare interpreter's RSS measured at its start;
- tokenizer throughput (rjieba path, and jieba for reference).

The last line of output is one JSON object with the figures.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from classifier import store  # noqa: E402
from classifier.features import compose_text  # noqa: E402
from classifier.predict import Predictor  # noqa: E402
from classifier.train import evaluate, group_keys, train  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "teddy2020" / "train.csv"

_WORKER = """
import json, os, sys, time
def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
base = rss_mb()
from classifier import store, tokenizer
engine = tokenizer.warm_up()
predictor = store.load_current(sys.argv[1]).predictor()
predictor.predict("A市小区物业费太贵，请有关部门处理。")
total = rss_mb()
print(json.dumps({"baseline_mb": base, "total_mb": total, "engine": engine}))
"""


def load(path: Path) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [compose_text(r["subject"], r["body"]) for r in rows], [r["label"] for r in rows]


def say(line: str) -> None:
    print(line, flush=True)  # noqa: T201 - a benchmark prints


def cross_validate(texts: list[str], labels: list[str], folds: int, seed: int) -> dict[str, float]:
    import numpy as np
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedGroupKFold

    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    y_true: list[str] = []
    y_pred: list[str] = []
    covered = correct_covered = 0
    fold_f1: list[float] = []
    for k, (tr, te) in enumerate(splitter.split(np.zeros(len(texts)), labels, group_keys(texts))):
        train_texts = [texts[i] for i in tr]
        train_labels = [labels[i] for i in tr]
        test_texts = [texts[i] for i in te]
        test_labels = [labels[i] for i in te]
        result = evaluate(train_texts, train_labels, test_texts, test_labels, seed=seed)
        n = len(te)
        covered += round(result["auto_dispatch_coverage"] * n)
        correct_covered += round(
            result["auto_dispatch_precision"] * round(result["auto_dispatch_coverage"] * n)
        )
        fold_f1.append(result["macro_f1"])
        matrix = result["confusion_matrix"]
        for i, true_label in enumerate(matrix["labels"]):
            for j, pred_label in enumerate(matrix["labels"]):
                count = matrix["matrix"][i][j]
                y_true += [true_label] * count
                y_pred += [pred_label] * count
        say(
            f"fold {k + 1}/{folds}: macro-F1 {result['macro_f1']:.4f}, "
            f"threshold {result['auto_dispatch_threshold']:.3f}, "
            f"coverage {result['auto_dispatch_coverage']:.1%}, "
            f"precision {result['auto_dispatch_precision']:.2%}, "
            f"train {result['train_seconds']:.1f} s"
        )
    return {
        "cv_macro_f1": float(f1_score(y_true, y_pred, average="macro")),
        "cv_accuracy": float(np.mean([t == p for t, p in zip(y_true, y_pred, strict=True)])),
        "cv_macro_f1_fold_mean": statistics.mean(fold_f1),
        "cv_macro_f1_fold_min": min(fold_f1),
        "cv_auto_dispatch_coverage": covered / len(texts),
        "cv_auto_dispatch_precision": correct_covered / covered if covered else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-cv", action="store_true", help="skip the (slow) cross-validation")
    args = parser.parse_args()

    texts, labels = load(args.data)
    say(f"data: {args.data} ({len(texts)} messages, {len(set(labels))} labels)")
    figures: dict[str, object] = {"messages": len(texts)}

    from classifier import tokenizer

    started = time.perf_counter()
    engine = tokenizer.warm_up()
    figures["tokenizer_init_seconds"] = round(time.perf_counter() - started, 3)
    n_chars = sum(len(t) for t in texts)
    started = time.perf_counter()
    for text in texts:
        tokenizer.tokenize(text)
    figures["tokenize_chars_per_s"] = round(n_chars / (time.perf_counter() - started))
    started = time.perf_counter()
    for text in texts[:1000]:
        tokenizer.tokenize_jieba(text)
    jieba_chars = sum(len(t) for t in texts[:1000])
    figures["tokenize_jieba_chars_per_s"] = round(jieba_chars / (time.perf_counter() - started))
    say(
        f"tokenizer ({engine}): {figures['tokenize_chars_per_s']:,} chars/s; "
        f"jieba reference {figures['tokenize_jieba_chars_per_s']:,} chars/s"
    )

    if not args.skip_cv:
        cv = cross_validate(texts, labels, args.folds, args.seed)
        figures.update({k: round(v, 4) for k, v in cv.items()})
        say(
            f"grouped {args.folds}-fold CV: macro-F1 {cv['cv_macro_f1']:.4f} "
            f"(fold mean {cv['cv_macro_f1_fold_mean']:.4f}, min {cv['cv_macro_f1_fold_min']:.4f}), "
            f"accuracy {cv['cv_accuracy']:.4f}; auto-dispatch coverage "
            f"{cv['cv_auto_dispatch_coverage']:.1%} at precision "
            f"{cv['cv_auto_dispatch_precision']:.2%} (threshold chosen on each fold's train part)"
        )

    started = time.perf_counter()
    model = train(texts, labels, seed=args.seed)
    figures["train_seconds"] = round(time.perf_counter() - started, 2)
    figures["model_name"] = model.model_name
    figures["threshold_all_data"] = round(model.threshold, 4)
    figures["n_features"] = model.features.n_features
    say(
        f"train on all {len(texts)} messages: {figures['train_seconds']} s "
        f"({model.model_name}, {model.features.n_features:,} features, "
        f"threshold {model.threshold:.3f}, inner-CV macro-F1 {model.cv_scores['macro_f1']:.4f})"
    )

    predictor = Predictor(model)
    predictor.predict_batch(texts[:200])  # warm-up
    started = time.perf_counter()
    predictor.predict_batch(texts)
    figures["batch_msgs_per_s"] = round(len(texts) / (time.perf_counter() - started))
    for text in texts[:100]:
        predictor.predict(text)
    latencies = []
    for text in texts[:1000]:
        started = time.perf_counter()
        predictor.predict(text)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    figures["single_p50_ms"] = round(latencies[len(latencies) // 2], 3)
    figures["single_p99_ms"] = round(latencies[int(len(latencies) * 0.99) - 1], 3)
    say(
        f"batch: {figures['batch_msgs_per_s']:,} messages/s; single (1,000 messages after "
        f"warm-up): p50 {figures['single_p50_ms']} ms, p99 {figures['single_p99_ms']} ms"
    )

    with tempfile.TemporaryDirectory() as directory:
        version = store.save(model, directory)
        store.promote(version, directory)
        figures["artefact_mb"] = round(
            (Path(directory) / version / store.ARTEFACT_NAME).stat().st_size / 2**20, 1
        )
        env = dict(os.environ, PYTHONPATH=str(REPO))
        output = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", _WORKER, directory],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout
    worker = json.loads(output.strip().splitlines()[-1])
    figures["worker_rss_mb"] = round(worker["total_mb"], 1)
    figures["worker_rss_above_baseline_mb"] = round(worker["total_mb"] - worker["baseline_mb"], 1)
    say(
        f"worker memory (fresh process, tokenizer + model loaded, one prediction): total RSS "
        f"{figures['worker_rss_mb']} MB, {figures['worker_rss_above_baseline_mb']} MB above the "
        f"bare interpreter ({worker['baseline_mb']:.1f} MB); artefact {figures['artefact_mb']} MB"
    )
    print(json.dumps(figures, ensure_ascii=False))  # noqa: T201


if __name__ == "__main__":
    main()
