"""What a case is about and what was said in it, for advisers: one view that both adviser surfaces (the web
console, the Telegram group's case cards) are drawn from, so they never tell a case's story differently.

The transcript stores a pressed button as "[button] <action>" (the core's own protocol, `bot.core.buttons`);
advisers see the button's label instead, as the villager saw it. No I/O here except reading the FAQ and the
flows given; the callers read the rows on the core's worker thread.
"""

from __future__ import annotations

import re

from bot.core.texts import BUTTONS, DANGER_LABELS

BUTTON_PREFIX = "[button] "
TITLE_WORDS = 24  # characters of the villager's own words in a case's title
#: Intents that only route to a person: "我要找真人" says nothing about what the case is about.
ROUTING_GROUPS = ("handoff",)
PLATFORMS = {"web": "网页", "telegram": "Telegram", "wechat": "微信", "terminal": "终端"}
_BUTTON_WORDS = {
    "topics": BUTTONS["topics"]["zh"], "exit": BUTTONS["exit"]["zh"], "flow:exit": BUTTONS["exit"]["zh"],
    "handoff": BUTTONS["human"]["zh"], "handoff:urgent": BUTTONS["human_urgent"]["zh"], "end": "结束对话",
    "forget:yes": BUTTONS["yes_forget"]["zh"], "forget:no": BUTTONS["no_forget"]["zh"],
    "lang:zh": "中文", "lang:en": "English",
}


def button_label(action: str, faq, flows) -> str:
    """The label of the button that sent `action`, in Chinese (advisers read Chinese)."""
    if action in _BUTTON_WORDS:
        return _BUTTON_WORDS[action]
    name, _, argument = action.partition(":")
    if name == "intent" and argument in faq:
        return faq[argument].title.zh
    if name == "more":
        return BUTTONS["more"]["zh"]
    if name == "fb":
        return BUTTONS["helpful" if argument.startswith("up") else "not_helpful"]["zh"]
    if name == "deadline":
        return BUTTONS["deadline"]["zh"]
    if name == "flowstart" and argument in flows.ids():
        return flows.title(argument, "zh")
    if name == "flow":
        return _flow_option(argument, flows) or "（问答的一个选项）"
    if name == "group":
        group = next((g for g in faq.groups if g.id == argument), None)
        return group.title.zh if group else "（一个话题）"
    if name == "rate":
        score = argument.rpartition(":")[2]
        return "★" * int(score) if score.isdigit() else "（评分）"
    if name == "none":
        return "都不是"
    return "（一个按钮）"


def _flow_option(argument: str, flows) -> str | None:
    step_id, _, option_id = argument.partition(":")
    for flow_id in flows.ids():
        step = flows.flow(flow_id).steps.get(step_id)
        option = step.option(option_id) if step else None
        if option:
            return option.label.zh
    return None


def is_button(text: str) -> bool:
    return text.startswith(BUTTON_PREFIX)


def readable(rows: list[dict], faq, flows) -> list[dict]:
    """Transcript rows as advisers read them: who, what (a button's label, marked as one), and when."""
    lines = []
    for row in rows:
        text = row["text"] or ""
        button = row["direction"] == "in" and is_button(text)
        if button:
            text = button_label(text[len(BUTTON_PREFIX):], faq, flows)
        lines.append({"from": "villager" if row["direction"] == "in" else "bot", "text": text, "button": button,
                      "at": row["created_at"]})
    return lines


def question(rows: list[dict], intent: str | None) -> str | None:
    """What the villager asked, in their own words: their latest message the bot matched to the case's intent,
    else their latest typed message that was neither a command nor a request for a person."""
    typed = [row for row in rows if row["direction"] == "in" and row["text"]
             and not is_button(row["text"]) and not row["text"].startswith("/")]
    matched = [row for row in typed if intent and row.get("intent") == intent]
    asked = [row for row in typed if not (row.get("intent") or "").startswith(ROUTING_GROUPS)
             and row.get("decision") != "relayed"]
    found = (matched or asked or [None])[-1]
    return " ".join(found["text"].split()) if found else None


def title(case, asked: str | None, faq) -> str:
    """A case's title: the intent's title and the first words the villager wrote, e.g.
    「拖欠工资 · 老板跑了，欠我三个月工钱…」; 「村民直接找人工」 when there is neither."""
    intent = faq[case.intent].title.zh if case.intent in faq and not case.intent.startswith(ROUTING_GROUPS) else None
    words = _first_words(asked) if asked else None
    return " · ".join(part for part in (intent, words) if part) or "村民直接找人工"


def _first_words(text: str) -> str:
    text = re.sub(r"\*\*", "", text)
    return text if len(text) <= TITLE_WORDS else text[: TITLE_WORDS - 1] + "…"


def danger(case) -> str | None:
    """The emergency of an urgent case, as advisers call it (中毒, 轻生, ...)."""
    return DANGER_LABELS.get(case.danger, case.danger) if case.danger else None


def platform(case) -> str:
    return PLATFORMS.get(case.platform, case.platform)
