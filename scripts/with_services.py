"""Run a command with PostgreSQL and Redis available to it.

Uses DATABASE_URL / REDIS_URL when they point at reachable servers (default: the local
servers on their standard ports). When a server is not reachable, starts a throwaway one from
the installed binaries in a temporary directory, on a free port, for the command's lifetime.
Fails (never skips) when neither is possible, saying how to install the server.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/instainstru"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
POSTGRES_HINT = "Install PostgreSQL (Debian: apt-get install postgresql) or set DATABASE_URL."
REDIS_HINT = "Install Redis (Debian: apt-get install redis-server) or set REDIS_URL."


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if reachable(f"tcp://127.0.0.1:{port}", port):
            return
        time.sleep(0.2)
    sys.exit(f"{what} did not start listening on port {port} within {timeout:.0f} s")


def find_postgres_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


@contextlib.contextmanager
def throwaway_postgres(workdir: Path) -> Iterator[str]:
    initdb, pg_ctl = find_postgres_bin("initdb"), find_postgres_bin("pg_ctl")
    if not (initdb and pg_ctl):
        sys.exit(f"No PostgreSQL server is reachable and no PostgreSQL binaries are installed. {POSTGRES_HINT}")
    data, port = workdir / "pgdata", free_port()
    run_as = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []  # initdb refuses root
    if run_as:
        shutil.chown(workdir, user="nobody")
    subprocess.run(
        [*run_as, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    opts = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*run_as, pg_ctl, "-D", str(data), "-o", opts, "-l", str(workdir / "pg.log"), "-w", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        print(f"with_services: started a throwaway PostgreSQL on port {port}", file=sys.stderr)
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], check=False, stdout=subprocess.DEVNULL
        )


@contextlib.contextmanager
def throwaway_redis(workdir: Path) -> Iterator[str]:
    server = shutil.which("redis-server")
    if not server:
        sys.exit(f"No Redis server is reachable and redis-server is not installed. {REDIS_HINT}")
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, "redis-server")
        print(f"with_services: started a throwaway Redis on port {port}", file=sys.stderr)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str]) -> int:
    if not argv:
        sys.exit("usage: with_services.py COMMAND [ARGS...]")
    env = dict(os.environ)
    database_url = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = env.get("REDIS_URL") or DEFAULT_REDIS_URL
    with tempfile.TemporaryDirectory(prefix="instainstru-services-") as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        if not database_url.startswith("postgres"):
            sys.exit(f"Tests run on PostgreSQL; DATABASE_URL is {database_url!r}. {POSTGRES_HINT}")
        if not reachable(database_url, 5432):
            (workdir / "pg").mkdir()
            database_url = stack.enter_context(throwaway_postgres(workdir / "pg"))
        if not reachable(redis_url, 6379):
            (workdir / "redis").mkdir()
            redis_url = stack.enter_context(throwaway_redis(workdir / "redis"))
        env.update(DATABASE_URL=database_url, REDIS_URL=redis_url)
        return subprocess.call(argv, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
