"""Load on the web chat: many villagers at once, over real HTTP, against `mingbai run` in its own process.

    python bench/load_web.py [--villagers 300] [--messages 5] [--concurrency 100]

Reports every message answered exactly once (and which were not), order kept
per villager, latency from sending to the answer (p50/p95/p99), throughput,
and the server's peak memory. Traffic goes only to 127.0.0.1, is bounded in
count and time, and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import free_port, peak_memory_mb, percentile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["包工头跑了工钱不给咋个办", "遭骗了好几千块", "邻居的墙挡住我家采光", "老人没人赡养怎么办", "怎么申请法律援助",
             "我想离婚", "借钱不还怎么办", "交通事故对方不赔", "调解协议对方不履行", "你好"]
DEADLINE_SECONDS = 300


async def wait_until_up(base: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(base + "/") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start within 20 s")


async def _villager(bases: list[str], number: int, messages: int, gate: asyncio.Semaphore, results: list) -> None:
    """One villager's messages, one after the other; with several servers each message goes to the next one, as
    a round-robin load balancer in front of them would send it."""
    cookie = {"mingbai_id": f"load{number:06d}" + secrets.token_hex(6)}
    async with gate, aiohttp.ClientSession(cookies=cookie, headers={"X-Mingbai": "1"}) as session:
        for index in range(messages):
            text = QUESTIONS[(number + index) % len(QUESTIONS)]
            base = bases[(number + index) % len(bases)]
            started = time.perf_counter()
            try:
                async with session.post(base + "/api/message", json={"text": text, "id": f"m{index}"}) as response:
                    body = await response.json()
                    ok = response.status == 200 and bool(body.get("replies"))
            except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError):
                ok = False
            results.append((number, index, ok, time.perf_counter() - started))


async def load(bases: list[str], villagers: int, messages: int, concurrency: int) -> tuple[list, float]:
    """Every villager's messages against `bases` (one server, or several behind a round-robin), `concurrency`
    villagers at a time: the results (villager, message, answered, seconds) and the time it all took."""
    gate = asyncio.Semaphore(concurrency)
    results: list = []
    started = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(_villager(bases, n, messages, gate, results) for n in range(villagers))), DEADLINE_SECONDS
    )
    return results, time.perf_counter() - started


def figures(results: list, elapsed: float, villagers: int, messages: int) -> dict:
    """What a run shows: answered (and which not), order kept per villager, latency percentiles in ms, messages/s."""
    answered = [r for r in results if r[2]]
    order_kept = all(
        [index for number_, index, _, _ in sorted(r for r in results if r[0] == number)] == list(range(messages))
        for number in range(villagers)
    )
    latencies = [r[3] * 1000 for r in answered]
    return {"expected": villagers * messages, "answered": len(answered), "order_kept": order_kept,
            "not_answered": [(r[0], r[1]) for r in results if not r[2]],
            "p50": percentile(latencies, 0.5), "p95": percentile(latencies, 0.95), "p99": percentile(latencies, 0.99),
            "throughput": len(answered) / elapsed, "elapsed": elapsed}



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villagers", type=int, default=300)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        # every simulated villager comes from 127.0.0.1: the per-address limits would stop the load test itself
        env = {**os.environ, "MINGBAI_DATA_DIR": data_dir, "MINGBAI_WEB_PORT": str(port), "TELEGRAM_BOT_TOKEN": "",
               "MINGBAI_WEB_LIMITS": "villager=0,address=0,new_ids=0"}
        server = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_until_up(base))
            results, elapsed = asyncio.run(load([base], args.villagers, args.messages, args.concurrency))
            peak = peak_memory_mb(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    shown = figures(results, elapsed, args.villagers, args.messages)
    print(f"web chat: {args.villagers} villagers x {args.messages} messages, {args.concurrency} at a time")
    print(f"  answered: {shown['answered']}/{shown['expected']}" + ("" if not shown["not_answered"] else
          f"; not answered: {shown['not_answered'][:20]}"))
    print(f"  order kept per villager: {'yes' if shown['order_kept'] else 'NO'}")
    print(f"  latency ms: p50 {shown['p50']:.1f}, p95 {shown['p95']:.1f}, p99 {shown['p99']:.1f}")
    print(f"  throughput: {shown['throughput']:.0f} messages/s over {elapsed:.1f} s")
    print(f"  server peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
