"""Load on Telegram: many villagers at once, through a fake Bot API that enforces Telegram's limits, against
`mingbai run` in its own process.

    python bench/load_telegram.py [--villagers 1000] [--messages 5] [--handoff-share 0.05]

The fake Bot API (tests.fake_telegram) runs in this process on 127.0.0.1 and answers 429 with
`parameters.retry_after` past Telegram's limits: about 1 message a second per private chat (short bursts of
PRIVATE_BURST allowed), 20 a minute per group, 30 a second overall. The bot polls it as it would Telegram.

First a calibration: one chat per distinct villager script sends its messages one at a time, waiting for the
answer to settle, to learn which replies each message gets. Then the burst: every villager's messages pushed at
once (a share of villagers send /human first). Each chat's replies are matched, in order, against its script's
calibration, which gives every message answered exactly once (and which were not, or were answered twice), order
kept per chat, latency from push to the first reply (p50/p95/p99), throughput, the bot's peak memory and the
number of 429s the fake answered. Traffic goes only to 127.0.0.1, is bounded in count and time, and the bot is
stopped with SIGTERM at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import free_port, peak_memory_mb, percentile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.fake_telegram_faults import Fault  # noqa: E402

QUESTIONS = ["包工头跑了工钱不给咋个办", "遭骗了好几千块", "邻居的墙挡住我家采光", "老人没人赡养怎么办", "怎么申请法律援助",
             "我想离婚", "借钱不还怎么办", "交通事故对方不赔", "调解协议对方不履行", "你好"]
TOKEN = "load-test"
ADVISER_CHAT = -1001000000001
VILLAGER_BASE = 10_000_000  # villager n writes from chat VILLAGER_BASE + n
CALIBRATION_BASE = 9_000_000
SEND_METHODS = {"sendMessage", "sendPhoto", "sendVoice", "sendDocument", "sendAudio", "sendVideo", "sendSticker",
                "copyMessage", "forwardMessage"}
PRIVATE_BURST, PRIVATE_PER_SECOND = 3, 1.0  # a token bucket: "we may allow short bursts"
GROUP_PER_MINUTE, OVERALL_PER_SECOND = 20, 30
DEADLINE_SECONDS = 600
SETTLE_SECONDS = 3.0  # calibration: an answer is complete after this long without a new message in the chat
START_SECONDS = 60


class LimitedTelegram(FakeTelegram):
    """The fake Bot API, answering sends past Telegram's flood limits with 429 and `retry_after` (via the fake's
    own fault path, as `fail_next` does), and noting when each bot message arrived."""

    def __init__(self, token: str):
        super().__init__()  # its default token has the numeric id the fake's getMe needs
        self.token = token
        self.too_many = Counter()  # 429s answered, by kind of limit
        self.arrivals: dict[int, list[float]] = defaultdict(list)  # chat -> perf_counter of each bot message
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = defaultdict(deque)
        self._private: dict[int, tuple[float, float]] = {}  # chat -> (tokens, when)

    def _next_fault(self, method: str, params: dict) -> Fault | None:
        fault = super()._next_fault(method, params)
        if fault is not None or method not in SEND_METHODS or not isinstance(params.get("chat_id"), int):
            return fault
        wait = self._flood_wait(params["chat_id"], time.monotonic())
        if wait is None:
            return None
        return Fault("status", 429, max(1, math.ceil(wait)))

    def _flood_wait(self, chat: int, now: float) -> float | None:
        """Seconds until this send would be within every limit, or None if it is (and then it is counted)."""
        overall = self._overall
        while overall and now - overall[0] >= 1.0:
            overall.popleft()
        if len(overall) >= OVERALL_PER_SECOND:
            self.too_many["overall"] += 1
            return 1.0 - (now - overall[0])
        if chat < 0:
            group = self._groups[chat]
            while group and now - group[0] >= 60.0:
                group.popleft()
            if len(group) >= GROUP_PER_MINUTE:
                self.too_many["group"] += 1
                return 60.0 - (now - group[0])
            group.append(now)
        else:
            tokens, then = self._private.get(chat, (PRIVATE_BURST, now))
            tokens = min(PRIVATE_BURST, tokens + (now - then) * PRIVATE_PER_SECOND)
            if tokens < 1:
                self.too_many["private"] += 1
                return (1 - tokens) / PRIVATE_PER_SECOND
            self._private[chat] = (tokens - 1, now)
        overall.append(now)
        return None

    async def _post(self, chat_id: int, fields: dict, reply_markup, params: dict) -> dict:
        message = await super()._post(chat_id, fields, reply_markup, params)
        self.arrivals[chat_id].append(time.perf_counter())
        return message





def _shape(message: dict) -> str:
    """What identifies a reply across chats: its text (or caption, or kind) with numbers blanked out."""
    text = message.get("text") or message.get("caption") or next(
        (kind for kind in ("photo", "voice", "document") if kind in message), "?")
    return re.sub(r"\d+", "#", text)


def script(number: int, messages: int, handoff: bool) -> list[str]:
    texts = [QUESTIONS[(number + index) % len(QUESTIONS)] for index in range(messages)]
    return ["/human"] + texts if handoff else texts


def script_key(number: int, handoff: bool) -> tuple[int, bool]:
    return number % len(QUESTIONS), handoff


async def _bot_running(fake: LimitedTelegram, server: subprocess.Popen) -> None:
    for _ in range(START_SECONDS * 10):
        if fake.called("getUpdates"):
            return
        if server.poll() is not None:
            raise RuntimeError(f"the bot exited with {server.returncode} before polling")
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the bot did not poll getUpdates within {START_SECONDS} s")


async def _calibrate(fake: LimitedTelegram, chat: int, texts: list[str]) -> list[list[str]]:
    """Send one message at a time and wait for its answer to settle; returns the reply shapes of each message."""
    segments = []
    for text in texts:
        before = len(fake.sent(chat))
        fake.push_text(chat, text)
        started = time.monotonic()
        while True:
            await asyncio.sleep(0.2)
            arrivals = fake.arrivals[chat]
            last = arrivals[-1] if len(arrivals) > before else None
            if last is not None and time.perf_counter() - last >= SETTLE_SECONDS:
                break
            if last is None and time.monotonic() - started >= 4 * SETTLE_SECONDS:
                break  # this message gets no reply in its chat (e.g. relayed to the advisers)
        segments.append([_shape(m) for m in fake.sent(chat)[before:]])
    return segments


def _match(actual: list[str], segments: list[list[str]]) -> tuple[list[int | None], list[int], int, bool]:
    """Walk a chat's replies against its calibration, in order.

    Returns for each message the index of its first reply (None: not answered), the messages answered twice,
    the replies left over that match no message, and whether the answers came in the order of the messages."""
    first: list[int | None] = [None] * len(segments)
    twice, position = [], 0
    for index, segment in enumerate(segments):
        size = len(segment)
        if actual[position:position + size] != segment:
            continue
        first[index] = position
        position += size
        while size and actual[position:position + size] == segment:
            twice.append(index)
            position += size
    leftover = len(actual) - position
    in_order = leftover == 0 and all(f is not None for f in first)
    if not in_order:  # anything missing or extra: do the answers appear at all in the message order?
        found = [_find(actual, segment) for segment in segments if segment]
        in_order = all(a < b for a, b in zip([f for f in found if f >= 0], [f for f in found if f >= 0][1:], strict=False))
    return first, twice, leftover, in_order


def _find(actual: list[str], segment: list[str]) -> int:
    for start in range(len(actual) - len(segment) + 1):
        if actual[start:start + len(segment)] == segment:
            return start
    return -1


async def _load(args, fake: LimitedTelegram, server: subprocess.Popen) -> dict:
    await _bot_running(fake, server)
    handoffs = set(range(0, args.villagers, max(1, round(1 / args.handoff_share)))) if args.handoff_share > 0 else set()
    keys = {script_key(n, n in handoffs) for n in range(args.villagers)}
    calibration_started = time.perf_counter()
    chats = {key: CALIBRATION_BASE + index for index, key in enumerate(sorted(keys))}
    found = await asyncio.gather(*(_calibrate(fake, chats[key], script(key[0], args.messages, key[1]))
                                   for key in sorted(keys)))
    reference = dict(zip(sorted(keys), found, strict=True))
    calibration_seconds = time.perf_counter() - calibration_started
    throttled_in_calibration = sum(fake.too_many.values())

    pushed: dict[int, list[float]] = {}
    started = time.perf_counter()
    for number in range(args.villagers):
        chat = VILLAGER_BASE + number
        pushed[chat] = []
        for text in script(number, args.messages, number in handoffs):
            fake.push_text(chat, text)
            pushed[chat].append(time.perf_counter())
    expected = {VILLAGER_BASE + n: sum(map(len, reference[script_key(n, n in handoffs)])) for n in range(args.villagers)}
    deadline = started + DEADLINE_SECONDS
    while time.perf_counter() < deadline:
        if all(len(fake.arrivals[chat]) >= count for chat, count in expected.items()):
            break
        await asyncio.sleep(0.25)
    finished = max([fake.arrivals[chat][-1] for chat in expected if fake.arrivals[chat]], default=started)
    await asyncio.sleep(SETTLE_SECONDS)  # a late duplicate would show up now
    return {"handoffs": handoffs, "reference": reference, "pushed": pushed, "started": started,
            "elapsed": finished - started, "timed_out": time.perf_counter() >= deadline,
            "calibration_seconds": calibration_seconds, "throttled_in_calibration": throttled_in_calibration,
            "group_posts": len(fake.sent(ADVISER_CHAT)), "peak": peak_memory_mb(server.pid),
            "too_many": dict(fake.too_many), "getupdates": len(fake.called("getUpdates")),
            "unconfirmed": fake.unconfirmed, "protocol_errors": list(fake.errors),
            "sent": {chat: [_shape(m) for m in fake.sent(chat)] for chat in pushed},
            "arrivals": {chat: list(fake.arrivals[chat]) for chat in pushed}}


async def _run(args, env: dict) -> dict:
    async with LimitedTelegram(TOKEN) as fake:
        env = {**env, "TELEGRAM_BASE_URL": fake.base_url, "TELEGRAM_BASE_FILE_URL": fake.base_file_url}
        log_path = Path(env["MINGBAI_DATA_DIR"], "bot.log")
        with open(log_path, "wb") as log_file:
            server = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=env,
                                      stdout=subprocess.DEVNULL, stderr=log_file)
        try:
            return await _load(args, fake, server)
        finally:
            server.send_signal(signal.SIGTERM)
            try:  # the fake must keep answering while the bot stops cleanly
                await asyncio.wait_for(asyncio.to_thread(server.wait), 30)
            except TimeoutError:
                server.kill()
                await asyncio.to_thread(server.wait)
            _LOG.append(log_path.read_text(encoding="utf-8", errors="replace"))


_LOG: list[str] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villagers", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--handoff-share", type=float, default=0.05)
    args = parser.parse_args()
    if not 1 <= args.messages <= len(QUESTIONS) or args.villagers < 1 or not 0 <= args.handoff_share <= 1:
        parser.error(f"--villagers >= 1, 1 <= --messages <= {len(QUESTIONS)}, 0 <= --handoff-share <= 1")
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "MINGBAI_DATA_DIR": data_dir,
               "MINGBAI_WEB_PORT": str(free_port()), "MINGBAI_WEB_HOST": "127.0.0.1",
               "MINGBAI_ADVISER_CHAT": str(ADVISER_CHAT), "MINGBAI_WEBHOOK_URL": ""}
        result = asyncio.run(_run(args, env))
    report(args, result)


def report(args, r: dict) -> None:
    not_answered, twice, leftovers, disorder, latencies, answered, total = [], [], [], [], [], 0, 0
    silent = 0  # messages that, one at a time, get no reply in their chat (relayed to the advisers)
    for number in range(args.villagers):
        chat = VILLAGER_BASE + number
        handoff = number in r["handoffs"]
        segments = r["reference"][script_key(number, handoff)]
        first, doubled, leftover, in_order = _match(r["sent"][chat], segments)
        for index, segment in enumerate(segments):
            total += 1
            if not segment:
                silent += 1
                continue
            if first[index] is None:
                not_answered.append((number, index))
                continue
            answered += 1
            latencies.append((r["arrivals"][chat][first[index]] - r["pushed"][chat][index]) * 1000)
        twice += [(number, index) for index in doubled]
        if leftover:
            leftovers.append((number, leftover))
        if not in_order:
            disorder.append(number)
    replying = total - silent
    print(f"telegram: {args.villagers} villagers x {args.messages} messages, {len(r['handoffs'])} of them send "
          f"/human first; {total} messages pushed at once")
    print(f"  calibration: {len(r['reference'])} scripts, one message at a time, {r['calibration_seconds']:.1f} s"
          f"{f'; {silent} messages get no reply in their own chat (relayed to the advisers)' if silent else ''}")
    print(f"  answered: {answered}/{replying}" + ("" if answered == replying else
          f"; not answered (villager, message): {not_answered[:20]}{' ...' if len(not_answered) > 20 else ''}"))
    print(f"  answered twice: {len(twice)}" + (f" {twice[:20]}" if twice else "")
          + (f"; chats with replies matching no message: {len(leftovers)} {leftovers[:10]}" if leftovers else ""))
    print(f"  order kept per chat: {'yes' if not disorder else f'NO in {len(disorder)} chats {disorder[:20]}'}")
    print(f"  latency ms (push to first reply): p50 {percentile(latencies, 0.5):.0f}, p95 "
          f"{percentile(latencies, 0.95):.0f}, p99 {percentile(latencies, 0.99):.0f}, max {max(latencies, default=0):.0f}")
    replies = sum(len(sent) for sent in r["sent"].values())
    print(f"  throughput: {answered / r['elapsed']:.1f} messages/s answered ({replies / r['elapsed']:.1f} bot "
          f"messages/s) over {r['elapsed']:.1f} s" + ("; STOPPED at the deadline" if r["timed_out"] else ""))
    print(f"  advisers' group: {r['group_posts']} posts")
    too_many = r["too_many"]
    print(f"  429s answered by the fake: {sum(too_many.values())} ({', '.join(f'{k} {v}' for k, v in sorted(too_many.items())) or 'none'}"
          f"; {r['throttled_in_calibration']} of them during calibration)")
    print(f"  getUpdates calls: {r['getupdates']}; updates left unconfirmed: {r['unconfirmed']}; "
          f"400s: {len(r['protocol_errors'])}" + (f" {r['protocol_errors'][:3]}" if r["protocol_errors"] else ""))
    print(f"  bot peak memory: {r['peak']:.0f} MB")
    errors = [line for line in "".join(_LOG).splitlines() if " ERROR " in line or "Traceback" in line or "CRITICAL" in line]
    if errors:
        print(f"  bot log: {len(errors)} error lines, e.g. {errors[:3]}")


if __name__ == "__main__":
    main()
