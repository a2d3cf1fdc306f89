"""Danger words: messages that need the emergency step before anything else.

Checked on every message, in every state (even in the middle of a flow), on
the normalised text, so 遭打 / 被打 and traditional characters are caught alike.
"""

from __future__ import annotations

import re

#: danger kind -> phrases (normalised: simplified, lower case). First match wins; suicide first.
DANGER_PHRASES: dict[str, tuple[str, ...]] = {
    "suicide": ("想自杀", "要自杀", "自杀", "不想活", "想死", "轻生", "活不下去", "喝农药", "跳河", "跳楼", "割腕", "寻短见",
                "kill myself", "suicide", "end my life"),
    "violence": ("正在打我", "在打我", "打死我", "要杀我", "杀了我", "要杀人", "拿刀", "砍我", "掐我", "掐脖子", "救命",
                 "被打了", "被他打", "往死里打", "beating me", "going to kill", "hitting me", "help me now"),
    "fraud": ("刚转了", "刚转账", "刚刚转", "刚被骗", "刚刚被骗", "正在转账", "已经转账", "转了钱", "钱转过去", "刚汇款",
              "just transferred", "just sent money", "just got scammed", "just been scammed"),
}

_PATTERNS = {kind: re.compile("|".join(re.escape(p) for p in phrases)) for kind, phrases in DANGER_PHRASES.items()}


def danger(normalised_text: str) -> str | None:
    """The kind of danger the message signals ("suicide", "violence", "fraud"), or None.

    >>> danger("他正在打我 怎么办")
    'violence'
    >>> danger("邻居的墙挡光") is None
    True
    """
    for kind, pattern in _PATTERNS.items():
        if pattern.search(normalised_text):
            return kind
    return None
