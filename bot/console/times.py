"""Times in the console and its exports, read in MINGBAI_TIMEZONE (as office hours are), whatever zone the
server's clock is set to: a clerk in Leshan reads 09:00 for nine in the morning on a UTC server too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

#: What advisers call a zone; any other zone is labelled by its IANA name.
ZONE_NAMES = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "Asia/Urumqi": "乌鲁木齐时间"}


@dataclass(frozen=True)
class ConsoleTime:
    zone: ZoneInfo = ZoneInfo("Asia/Shanghai")

    @property
    def label(self) -> str:
        """「北京时间」 for Asia/Shanghai, else the zone's name: shown beside every time the console prints."""
        return ZONE_NAMES.get(self.zone.key, self.zone.key)

    def when(self, timestamp: float | None, seconds: bool = False) -> str:
        """2026-12-02 10:03 (with :05 when `seconds`) in the zone; "" for no time."""
        if not timestamp:
            return ""
        return dt.datetime.fromtimestamp(timestamp, self.zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")

    def today(self) -> dt.date:
        return dt.datetime.now(self.zone).date()

    def day_start(self, day: dt.date) -> float:
        """The first second of `day` in the zone, as a timestamp."""
        return dt.datetime.combine(day, dt.time.min, self.zone).timestamp()

    def midnight(self, timestamp: float) -> float:
        """The start of the day `timestamp` falls on, in the zone ("closed today")."""
        return self.day_start(dt.datetime.fromtimestamp(timestamp, self.zone).date())


#: The default zone, for pages and reports built without the service's setting (tests, one-off scripts).
BEIJING = ConsoleTime()
