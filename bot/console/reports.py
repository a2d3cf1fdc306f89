"""The justice bureau's monthly figures: per-adviser statistics and CSV exports of cases, for a date range,
for every county together or for one.

Cases count in the range in which they were opened. The exports carry no villager's identity and no message
text: case number, times, channel, topic, whether it was urgent, who handled it and the rating. Dates are the
server's local dates, as in the other statistics.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics as st

from bot.console.times import BEIJING, ConsoleTime
from bot.core.texts import DANGER_LABELS
from bot.handoff.views import PLATFORMS

CASE_COLUMNS = ("案件号", "开始", "接手", "结案", "状态", "紧急", "危险", "渠道", "话题", "顾问", "接手用时（分钟）",
                "结案用时（分钟）", "评分")
ADVISER_COLUMNS = ("顾问", "案件", "已结案", "接手用时中位数（分钟）", "结案用时中位数（分钟）", "评分次数", "平均评分")
STATUSES = {"waiting": "等待接手", "claimed": "处理中", "closed": "已结案"}


def day_range(start: dt.date, end: dt.date, clock: ConsoleTime = BEIJING) -> tuple[float, float]:
    """From the start of `start` to the end of `end`, as timestamps (days in the console's zone)."""
    return clock.day_start(start), clock.day_start(end + dt.timedelta(days=1))


def _minutes(later: float | None, earlier: float | None) -> float | None:
    return round((later - earlier) / 60, 1) if later and earlier else None


def _median(values: list) -> float | None:
    present = [value for value in values if value is not None]
    return round(st.median(present), 1) if present else None


def adviser_statistics(case_store, start: dt.date, end: dt.date, name_of, county: str | None = None,
                       clock: ConsoleTime = BEIJING) -> list[dict]:
    """One row per adviser who held a case opened in the range, busiest first; `name_of(adviser id)` names them.
    With `county`, only that county's cases count; the days are `clock`'s (MINGBAI_TIMEZONE)."""
    by_adviser: dict[str, list[dict]] = {}
    for case in case_store.opened_between(*day_range(start, end, clock), county=county):
        if case["adviser"]:
            by_adviser.setdefault(case["adviser"], []).append(case)
    rows = []
    for adviser, cases in by_adviser.items():
        ratings = [case["rating"] for case in cases if case["rating"]]
        rows.append({
            "adviser": adviser, "name": name_of(adviser), "cases": len(cases),
            "closed": sum(1 for case in cases if case["status"] == "closed"),
            "minutes_to_claim": _median([_minutes(case["claimed_at"], case["created_at"]) for case in cases]),
            "minutes_to_close": _median([_minutes(case["closed_at"], case["created_at"]) for case in cases]),
            "ratings": len(ratings), "rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
        })
    return sorted(rows, key=lambda row: (-row["cases"], row["name"]))


def _csv(header: tuple[str, ...], rows: list[list]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # Excel, which clerks open these with, reads UTF-8 Chinese only after a BOM
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return out.getvalue()


def cases_csv(case_store, start: dt.date, end: dt.date, name_of, topic_of, county: str | None = None,
              county_name=None, clock: ConsoleTime = BEIJING) -> str:
    """Every case opened in the range (only `county`'s, when given), one line each; `topic_of(intent id)` gives
    its Chinese title. `county_name(county id)`, given when counties are configured, adds the 县 column."""
    rows = []
    for case in case_store.opened_between(*day_range(start, end, clock), county=county):
        platform = (case["user_key"] or "").split(":", 1)[0]
        rows.append([
            case["id"], clock.when(case["created_at"]), clock.when(case["claimed_at"]), clock.when(case["closed_at"]),
            STATUSES.get(case["status"], case["status"]), "是" if case["urgent"] else "",
            DANGER_LABELS.get(case.get("danger"), case.get("danger")) if case.get("danger") else "",
            PLATFORMS.get(platform, "（已删除）" if platform == "forgotten" else platform),
            topic_of(case["intent"]), name_of(case["adviser"]) if case["adviser"] else "",
            _minutes(case["claimed_at"], case["created_at"]), _minutes(case["closed_at"], case["created_at"]),
            case["rating"],
            *([county_name(case.get("county"))] if county_name else []),
        ])
    timed = {"开始", "接手", "结案"}  # labelled with their zone: 开始（北京时间）
    columns = tuple(f"{name}（{clock.label}）" if name in timed else name for name in CASE_COLUMNS)
    return _csv(columns + (("县",) if county_name else ()), rows)


def advisers_csv(rows: list[dict]) -> str:
    return _csv(ADVISER_COLUMNS, [[row["name"], row["cases"], row["closed"], row["minutes_to_claim"],
                                   row["minutes_to_close"], row["ratings"], row["rating"]] for row in rows])
