"""The web chat load of bench/load_web.py against one `mingbai run` on SQLite and against two on one PostgreSQL
database behind a round-robin (each villager's messages alternate between them), side by side in one run.

    python bench/load_two_processes.py [--villagers 300] [--messages 5] [--concurrency 100] [--burst-seconds S]

PostgreSQL is a throwaway cluster (tests/support/postgres.py: Debian's server programs, or $MINGBAI_POSTGRES_BIN),
removed at the end. Prints, for each setup, every message answered exactly once, order kept per villager,
messages/s and p50/p95/p99 latency, each server's peak memory, and the ratio of the two. The servers get the
caller's MINGBAI_* settings, except their own data folder, port and database and no per-address web limits (every
simulated villager comes from 127.0.0.1); --burst-seconds sets MINGBAI_BURST_SECONDS for both setups (otherwise
the caller's, or mingbai's default: then the window dominates each latency). Traffic goes only to 127.0.0.1, is
bounded in count and time, and every server is stopped with SIGTERM at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # tests.support.postgres
from load_web import figures, load, wait_until_up  # noqa: E402
from measure import free_port, peak_memory_mb  # noqa: E402

from tests.support.postgres import PostgresCluster  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 30


def server_env(data_dir: str, port: int, database_url: str | None, burst_seconds: float | None) -> dict[str, str]:
    """The caller's environment with this server's data folder, port and database, and no web limits."""
    env = {key: value for key, value in os.environ.items() if key != "MINGBAI_DATABASE_URL"}
    env.update(MINGBAI_DATA_DIR=data_dir, MINGBAI_WEB_PORT=str(port), TELEGRAM_BOT_TOKEN="",
               MINGBAI_WEB_LIMITS="villager=0,address=0,new_ids=0", PYTHONPATH=str(ROOT))
    if database_url:
        env["MINGBAI_DATABASE_URL"] = database_url
    if burst_seconds is not None:
        env["MINGBAI_BURST_SECONDS"] = str(burst_seconds)
    return env


@contextlib.contextmanager
def servers(count: int, database_url: str | None, burst_seconds: float | None):
    """`count` `mingbai run` processes (each its own data folder and port) on `database_url` (None: SQLite in the
    first one's folder), serving; yields (their base URLs, their processes); SIGTERM to each at the end."""
    with contextlib.ExitStack() as folders:
        started = []
        try:
            for _ in range(count):
                data_dir, port = folders.enter_context(tempfile.TemporaryDirectory()), free_port()
                started.append((f"http://127.0.0.1:{port}", subprocess.Popen(
                    [sys.executable, "-m", "bot.cli", "run"], cwd=ROOT,
                    env=server_env(data_dir, port, database_url, burst_seconds),
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
            for base, _ in started:
                asyncio.run(wait_until_up(base))
            yield [base for base, _ in started], [process for _, process in started]
        finally:
            for _, process in started:
                process.send_signal(signal.SIGTERM)
            for _, process in started:
                try:
                    process.wait(timeout=STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()


def run_setup(count: int, database_url: str | None, args) -> dict:
    with servers(count, database_url, args.burst_seconds) as (bases, processes):
        results, elapsed = asyncio.run(load(bases, args.villagers, args.messages, args.concurrency))
        shown = figures(results, elapsed, args.villagers, args.messages)
        shown["memory"] = [peak_memory_mb(process.pid) for process in processes]
    return shown


def committed(url: str) -> int:
    """Transactions committed on the database so far (the server's own count), to see what a message costs."""
    with psycopg.connect(url) as connection:
        return connection.execute("select xact_commit from pg_stat_database where datname = current_database()"
                                  ).fetchone()[0]


def show(name: str, shown: dict) -> None:
    answered = f"{shown['answered']}/{shown['expected']}"
    if shown["not_answered"]:
        answered += f" (not answered: {shown['not_answered'][:10]})"
    memory = ", ".join(f"{megabytes:.0f}" for megabytes in shown["memory"])
    print(f"  {name:<34} {shown['throughput']:>7.1f} msg/s   p50 {shown['p50']:>7.1f}  p95 {shown['p95']:>7.1f}  "
          f"p99 {shown['p99']:>7.1f} ms   answered {answered}, order kept {'yes' if shown['order_kept'] else 'NO'}, "
          f"peak MB {memory}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villagers", type=int, default=300)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--burst-seconds", type=float, default=None,
                        help="MINGBAI_BURST_SECONDS for the servers (default: the caller's, or mingbai's own)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]  # others' work on the machine skews every figure
    single = run_setup(1, None, args)
    cluster = PostgresCluster.start()
    try:
        url = cluster.new_database()
        double = run_setup(2, url, args)
        commits = committed(url)
    finally:
        cluster.stop()
    window = args.burst_seconds if args.burst_seconds is not None else os.environ.get("MINGBAI_BURST_SECONDS")
    print(f"web chat: {args.villagers} villagers x {args.messages} messages, {args.concurrency} at a time, "
          f"burst window {'unset (mingbai default)' if window is None else f'{window} s'}, {os.cpu_count()} CPUs, "
          f"load average before {load_before:.1f}")
    show("one process, SQLite", single)
    show("two processes, one PostgreSQL", double)
    print(f"  ratio two/one: throughput {double['throughput'] / single['throughput']:.2f}x, "
          f"p50 {double['p50'] / max(single['p50'], 1e-9):.2f}x, p99 {double['p99'] / max(single['p99'], 1e-9):.2f}x")
    print(f"  PostgreSQL: {commits} transactions committed, {commits / max(double['answered'], 1):.1f} per message "
          f"answered (start-up and migrations included)")


if __name__ == "__main__":
    main()
