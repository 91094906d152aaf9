"""Benchmark the default demo (`seed_demo` as `make run` loads it, target < 15 s on SQLite).

Each round runs in a fresh SQLite file in a temporary directory, in a subprocess so nothing is
cached between rounds: `migrate` (the baseline, measured in the same run), then `seed_demo`
timed, with its steps. Prints the figures and the ratio to the baseline; exits 1 when the
median demo takes 15 s or more.

    .venv/bin/python bench/bench_demo.py [--rounds 3] [--instructors N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 15.0


def _timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--instructors", type=int, default=None)
    options = parser.parse_args()
    seed_args = ["seed_demo"] + ([f"--instructors={options.instructors}"] if options.instructors else [])
    migrations, demos = [], []
    for _ in range(options.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ, "DATABASE_URL": f"sqlite:///{tmp}/demo.sqlite3", "VAR_DIR": tmp, "REDIS_URL": "",
                "INSTAINSTRU_ENV": "development", "LOG_LEVEL": "WARNING",
            }  # fmt: skip
            migrations.append(_timed(["migrate", "--noinput"], env))
            demos.append(_timed(seed_args, env))
    demo, migrate = statistics.median(demos), statistics.median(migrations)
    print(f"seed_demo {' '.join(seed_args[1:]) or '(default city)'} on SQLite, {options.rounds} rounds")
    print(
        f"  seed_demo: median {demo:.2f} s (min {min(demos):.2f}, max {max(demos):.2f}), target < {TARGET_SECONDS:.0f} s"
    )
    print(f"  baseline migrate: median {migrate:.2f} s")
    print(f"  ratio seed_demo / migrate: {demo / migrate:.1f}×")
    return 0 if demo < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
