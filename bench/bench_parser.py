"""Benchmark `parse_query` over the eval queries (target: p95 well under 5 ms per query).

Run from the repository root: ``.venv/bin/python bench/bench_parser.py [--rounds N]``. No Django
needed. Reports per-query latency percentiles and the one-off cost of building the vocabulary.
Wall-clock time includes being preempted on a busy machine, so CPU time (this thread only) is
shown too. Most of the remaining tail is the garbage collector walking the vocabulary's
indexes: the last lines measure again with it frozen out of collection (`gc.freeze()`), as a
worker can do once after building the vocabulary.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time as clock
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runnable as a plain script

from apps.search.parser import parse_query
from apps.search.vocabulary import Vocabulary, vocabulary_from_files

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
TODAY = date(2026, 11, 25)
TARGET_P95_MS = 5.0


def load_vocabulary() -> tuple[Vocabulary, float]:
    started = clock.perf_counter_ns()
    vocabulary = vocabulary_from_files(
        DATA_DIR / "catalog.json", DATA_DIR / "nyc_neighborhoods.csv", DATA_DIR / "nyc_boroughs.csv"
    )
    return vocabulary, (clock.perf_counter_ns() - started) / 1e6


def timings_ms(queries: list[str], vocabulary: Vocabulary, rounds: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each parse."""
    for query in queries:  # warm regex and rapidfuzz caches before measuring
        parse_query(query, vocabulary=vocabulary, today=TODAY)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        for query in queries:
            started, started_cpu = clock.perf_counter_ns(), clock.thread_time_ns()
            parse_query(query, vocabulary=vocabulary, today=TODAY)
            cpu.append((clock.thread_time_ns() - started_cpu) / 1e6)
            wall.append((clock.perf_counter_ns() - started) / 1e6)
    return wall, cpu


def report(label: str, samples: list[float]) -> float:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    print(f"{label:<24} p50 {p50:6.3f} ms   p95 {p95:6.3f} ms   p99 {p99:6.3f} ms   max {max(samples):7.3f} ms")
    return p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    eval_file = DATA_DIR / "eval" / "search_queries.jsonl"
    queries = [json.loads(line)["q"] for line in eval_file.read_text().splitlines() if line.strip()]
    vocabulary, build_ms = load_vocabulary()
    print(f"vocabulary build         {build_ms:7.1f} ms (once per Vocabulary)")
    wall, cpu = timings_ms(queries, vocabulary, rounds)
    p95 = report("parse_query wall", wall)
    report("parse_query cpu", cpu)
    gc.collect()
    gc.freeze()
    frozen_wall, frozen_cpu = timings_ms(queries, vocabulary, rounds)
    report("gc-frozen wall", frozen_wall)
    report("gc-frozen cpu", frozen_cpu)
    print(f"{'':<24} {len(queries)} queries x {rounds} rounds = {len(wall)} parses per line")
    verdict = "OK" if p95 < TARGET_P95_MS else "OVER BUDGET"
    print(f"target                   wall p95 < {TARGET_P95_MS:.0f} ms: {verdict}")
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
