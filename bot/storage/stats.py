"""Service statistics from the SQLite file: the same figures for `mingbai stats`, the advisers' /stats
and the admin dashboard's charts, and each intent's use for the FAQ browser (`Statistics`, the store's
`statistics`)."""

from __future__ import annotations

import datetime as dt
import statistics as st
import time
from collections import Counter

from bot.storage.database import Database
from bot.storage.tables import Tables

DECISIONS = ("answer", "clarify", "fallback")


class Statistics(Tables):
    """The figures the surfaces show, read on the core's worker thread."""

    def service(self, days: int = 30, now: float | None = None, county: str | None = None) -> dict:
        """`service_statistics` of this database."""
        return service_statistics(self.db, days, now, county)

    def intent_usage(self, days: int, now: float | None = None) -> dict[str, dict[str, int]]:
        """{intent id: {"answered": n, "up": n, "down": n}} for the last `days` days; intents never used are absent.
        "Answered" counts what `service_statistics` counts for its top intents (villagers' questions decided
        `answer`), so the FAQ browser and the statistics page agree."""
        since = (now or time.time()) - days * 86400
        usage: dict[str, dict[str, int]] = {}

        def entry(intent: str) -> dict[str, int]:
            return usage.setdefault(intent, {"answered": 0, "up": 0, "down": 0})

        for row in self.db.rows("select intent, count(*) as n from messages where direction = 'in' and decision = "
                                "'answer' and intent is not null and created_at >= ? group by intent", [since]):
            entry(row["intent"])["answered"] = row["n"]
        for row in self.db.rows("select intent, sum(case when helpful = 1 then 1 else 0 end) as up, "
                                "sum(case when helpful = 0 then 1 else 0 end) as down from feedback "
                                "where created_at >= ? group by intent", [since]):
            entry(row["intent"]).update(up=row["up"] or 0, down=row["down"] or 0)
        return usage


def _day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).date().isoformat()


def service_statistics(db: Database, days: int = 30, now: float | None = None,
                       county: str | None = None) -> dict:
    """Figures for the last `days` days (local dates): for one county's villagers and cases when `county` is
    given, else for everyone, with a line per county when counties are in use."""
    now = now or time.time()
    since = now - days * 86400
    of_county = " and user_key in (select key from users where county = ?)" if county else ""
    questions = db.rows(
        "select created_at, intent, decision from messages where direction = 'in' and decision in "
        f"('answer', 'clarify', 'fallback') and created_at >= ?{of_county}", [since, *([county] if county else [])])
    per_day = Counter(_day(row["created_at"]) for row in questions)
    decided = Counter(row["decision"] for row in questions)
    top_intents = Counter(row["intent"] for row in questions if row["decision"] == "answer" and row["intent"])
    cases = db.rows("select * from cases where created_at >= ?" + (" and county = ?" if county else ""),
                    [since, *([county] if county else [])])
    withdrawn = _withdrawn(db, cases)
    claim_minutes = [(c["claimed_at"] - c["created_at"]) / 60 for c in cases if c["claimed_at"]]
    close_minutes = [(c["closed_at"] - c["created_at"]) / 60 for c in cases if c["closed_at"] and c["id"] not in withdrawn]
    ratings = [c["rating"] for c in cases if c["rating"]]
    total = len(questions)
    today = _day(now)
    by_county = {} if county else _per_county(db, since)
    return {
        **({"county": county} if county else {}),
        **({"per_county": by_county} if by_county else {}),
        "days": days,
        "questions": total,
        "questions_per_day": dict(sorted(per_day.items())),
        "rates": {kind: round(decided[kind] / total, 3) if total else 0.0 for kind in DECISIONS},
        "top_intents": top_intents.most_common(10),
        "handoffs_per_day": dict(sorted(Counter(_day(c["created_at"]) for c in cases).items())),
        "median_minutes_to_claim": round(st.median(claim_minutes), 1) if claim_minutes else None,
        "median_minutes_to_close": round(st.median(close_minutes), 1) if close_minutes else None,
        "satisfaction_average": round(st.mean(ratings), 2) if ratings else None,
        "satisfaction_distribution": {str(n): ratings.count(n) for n in range(1, 6)},
        "withdrawn": len(withdrawn),
        "today": {
            "questions": per_day.get(today, 0),
            "handoffs": sum(1 for c in cases if _day(c["created_at"]) == today),
            "waiting": sum(1 for c in cases if c["status"] == "waiting"),
            "claimed": sum(1 for c in cases if c["status"] == "claimed"),
            "closed": sum(1 for c in cases if c["closed_at"] and _day(c["closed_at"]) == today and c["id"] not in withdrawn),
            "withdrawn": sum(1 for c in cases if c["closed_at"] and _day(c["closed_at"]) == today and c["id"] in withdrawn),
        },
    }


def _per_county(db: Database, since: float) -> dict[str, dict[str, int]]:
    """Questions and handoffs per county ("" for villagers and cases with none); empty when no county is in use."""
    questions = db.rows(
        "select coalesce(u.county, '') as county, count(*) as n from messages m left join users u on u.key = m.user_key "
        "where m.direction = 'in' and m.decision in ('answer', 'clarify', 'fallback') and m.created_at >= ? "
        "group by 1", [since])
    handoffs = db.rows("select coalesce(county, '') as county, count(*) as n from cases where created_at >= ? "
                       "group by 1", [since])
    figures: dict[str, dict[str, int]] = {}
    for kind, rows in (("questions", questions), ("handoffs", handoffs)):
        for row in rows:
            figures.setdefault(row["county"], {"questions": 0, "handoffs": 0})[kind] = row["n"]
    return figures if set(figures) - {""} else {}


def _withdrawn(db: Database, cases: list[dict]) -> set[int]:
    """Cases the villager ended before any adviser replied: withdrawn requests, not closed cases."""
    if not cases:
        return set()
    rows = db.rows(
        "select case_id, sum(case when kind = 'adviser' then 1 else 0 end) as replied, "
        "max(case when kind = 'closed' and author = 'villager' then 1 else 0 end) as by_villager "
        "from case_events group by case_id")
    closed = {c["id"] for c in cases if c["status"] == "closed"}
    return {row["case_id"] for row in rows if row["case_id"] in closed and row["by_villager"] and not row["replied"]}


def format_statistics(figures: dict) -> str:
    rates = figures["rates"]
    lines = [
        (f"County {figures['county']}, last" if figures.get("county") else "Last") + f" {figures['days']} days: "
        f"{figures['questions']} questions "
        f"(answered {rates['answer']:.0%}, clarified {rates['clarify']:.0%}, fell back {rates['fallback']:.0%})",
        f"Handoffs: {sum(figures['handoffs_per_day'].values())}; median minutes to claim "
        f"{figures['median_minutes_to_claim']}, to close {figures['median_minutes_to_close']}; "
        f"withdrawn before any reply {figures['withdrawn']}",
        f"Satisfaction: average {figures['satisfaction_average']} "
        f"({', '.join(f'{k}★ {v}' for k, v in figures['satisfaction_distribution'].items())})",
        "Top intents: " + (", ".join(f"{intent} {n}" for intent, n in figures["top_intents"]) or "none yet"),
        "Today: " + ", ".join(f"{k} {v}" for k, v in figures["today"].items()),
    ]
    if figures.get("per_county"):
        lines.append("By county: " + ", ".join(f"{county or '(none)'} {n['questions']} questions / {n['handoffs']} handoffs"
                                               for county, n in sorted(figures["per_county"].items())))
    return "\n".join(lines)
