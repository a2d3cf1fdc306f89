"""Advisers' office hours, e.g. "Mon-Fri 09:00-17:30", from MINGBAI_OFFICE_HOURS, in MINGBAI_TIMEZONE
(Asia/Shanghai unless set): a server whose clock runs in UTC still opens at 09:00 Beijing time."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_PATTERN = re.compile(r"^\s*(\w{3})\s*-\s*(\w{3})\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class OfficeHours:
    first_day: int  # 0 = Monday
    last_day: int
    opens: dt.time
    closes: dt.time
    label: str
    zone: ZoneInfo = ZoneInfo("Asia/Shanghai")

    @classmethod
    def parse(cls, value: str, zone: str = "Asia/Shanghai") -> "OfficeHours":
        """ "Mon-Fri 09:00-17:30" -> OfficeHours; a clear ValueError otherwise."""
        match = _PATTERN.match(value)
        if not match or match[1].lower() not in _DAYS or match[2].lower() not in _DAYS:
            raise ValueError(f"MINGBAI_OFFICE_HOURS {value!r}: write it like 'Mon-Fri 09:00-17:30'")
        opens, closes = dt.time(int(match[3]), int(match[4])), dt.time(int(match[5]), int(match[6]))
        return cls(_DAYS.index(match[1].lower()), _DAYS.index(match[2].lower()), opens, closes, value.strip(),
                   ZoneInfo(zone))

    def open_at(self, timestamp: float) -> bool:
        """Whether advisers are on duty at `timestamp` (seconds since the epoch), read in the office's zone."""
        moment = dt.datetime.fromtimestamp(timestamp, self.zone)
        return self.first_day <= moment.weekday() <= self.last_day and self.opens <= moment.time() < self.closes

    def today(self) -> dt.date:
        """Today's date where the office is (what a deadline counts from)."""
        return dt.datetime.now(self.zone).date()

    def chinese(self) -> str:
        names = "一二三四五六日"
        return f"周{names[self.first_day]}至周{names[self.last_day]} {self.opens:%H:%M}-{self.closes:%H:%M}"
