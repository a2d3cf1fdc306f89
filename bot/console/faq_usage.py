"""How often each intent was answered in a period, and its 👍/👎 votes: the FAQ browser's figures.

"Answered" counts what `bot.storage.stats.service_statistics` counts for its
top intents (villagers' questions decided `answer`), over the same periods
the statistics page offers, so the two pages agree.
"""

from __future__ import annotations

import time

import sqlite_utils


def intent_usage(db: sqlite_utils.Database, days: int, now: float | None = None) -> dict[str, dict[str, int]]:
    """{intent id: {"answered": n, "up": n, "down": n}} for the last `days` days; intents never used are absent."""
    since = (now or time.time()) - days * 86400
    usage: dict[str, dict[str, int]] = {}

    def entry(intent: str) -> dict[str, int]:
        return usage.setdefault(intent, {"answered": 0, "up": 0, "down": 0})

    for row in db.query("select intent, count(*) as n from messages where direction = 'in' and decision = 'answer' "
                        "and intent is not null and created_at >= ? group by intent", [since]):
        entry(row["intent"])["answered"] = row["n"]
    if db["feedback"].exists():
        for row in db.query("select intent, sum(helpful = 1) as up, sum(helpful = 0) as down from feedback "
                            "where created_at >= ? group by intent", [since]):
            entry(row["intent"]).update(up=row["up"] or 0, down=row["down"] or 0)
    return usage
