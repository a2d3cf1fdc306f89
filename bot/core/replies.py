"""Turning decisions into what the villager reads: answer, clarify, fallback, topic menus.

Button actions are the core's own small protocol, parsed back in
`bot.core.conversation`:  intent:<id>, fb:up:<id>, fb:down:<id>, handoff,
handoff:urgent, flowstart:<flow>, flow:<value>, deadline:<id>, group:<id>,
more:<id> (「📖 详细说明」: the full answer behind the first, short bubble), bring:<id> (「要带什么」),
basis:<id> (「法律依据」: every source),
topics, lang:<zh|en>, forget:yes, forget:no, none[:<n>], flow:exit, exit, county:<id|none> (the county
question before a handoff, `bot.core.local`).
"""

from __future__ import annotations

from bot.core.texts import label, text
from bot.messages import Button, Reply
from intents.faq import Faq, Intent

HANDOFF_INTENT = "handoff.request"  # its answer's steps are shown when a case opens


def human_row(lang: str, urgent: bool = False) -> tuple[Button, ...]:
    if urgent:
        return (Button(label("human_urgent", lang), "handoff:urgent"),)
    return (Button(label("human", lang), "handoff"),)


def answer(faq: Faq, intent: Intent, lang: str, place_line: str | None = None, local: str | None = None,
           ask_where: bool = False) -> Reply:
    """The first bubble (`short`, one basis line, the 12348 reminder), then 「📖 详细说明」 for the full answer,
    follow-ups, feedback and the way to a person. `local` is the villager's county's addition to this answer;
    `ask_where` adds the 「📍 告诉我您在哪个县」 button when the answer needs the county and it is unknown."""
    body = with_local(intent.first_bubble(lang), local)
    if place_line:
        body = f"{body}\n\n📍 {place_line}"
    rows: list[tuple[Button, ...]] = []
    if intent.urgent:
        rows.append(human_row(lang, urgent=True))
    if intent.short is not None:
        rows.append(more_row(intent, lang))
    if ask_where:
        rows.append((Button(label("where", lang), "cmd:where"),))
    if intent.flow:
        rows.append(_flow_row(intent.flow, lang))
    if intent.deadline:
        rows.append((Button(label("deadline", lang), f"deadline:{intent.id}"),))
    # a follow-up that only asks for a person (我要找真人) would stand beside 🙋 找人工 / 🆘: the row below is that
    rows += [(Button(faq[follow].title(lang), f"intent:{follow}"),) for follow in intent.follow_ups
             if follow in faq and faq[follow].handoff != "start"]
    if intent.kind == "legal":
        rows.append(_feedback_row(intent, lang))
    if not intent.urgent and intent.handoff != "start":
        rows.append(human_row(lang))
    return Reply(body, tuple(rows))


def more_row(intent: Intent, lang: str, shown: str | None = None) -> tuple[Button, ...]:
    """「📖 详细说明」「🎒 要带什么」「⚖️ 法律依据」 side by side, each where the intent has that content; `shown`
    (more, bring or basis) is left out under the part it would show again."""
    parts = [("more", True), ("bring", intent.bring is not None), ("basis", intent.kind == "legal" and bool(intent.sources))]
    return tuple(Button(label(part, lang), f"{part}:{intent.id}") for part, has in parts if has and part != shown)


def part_of_answer(intent: Intent, part: str, lang: str) -> Reply:
    """What a 「要带什么」 or 「法律依据」 press shows, with the other parts' buttons and the way to a person."""
    body = intent.bring(lang).strip() if part == "bring" else intent.basis_list(lang)
    if part == "bring":
        body = f"{label('bring', lang)}\n{body}\n\n{text('bring_more', lang)}"
    rows = [row for row in (more_row(intent, lang, shown=part),) if row]
    rows.append(human_row(lang, urgent=intent.urgent))
    return Reply(body, tuple(rows))


def _feedback_row(intent: Intent, lang: str) -> tuple[Button, ...]:
    return (Button(label("helpful", lang), f"fb:up:{intent.id}"), Button(label("not_helpful", lang), f"fb:down:{intent.id}"))


def with_local(body: str, local: str | None) -> str:
    """An answer with its county's local addition (faq/counties/<id>.yaml `additions:`) after it."""
    return f"{body}\n\n📌 {local}" if local else body


def details(intent: Intent, lang: str, local: str | None = None) -> Reply:
    """「📖 详细说明」: the whole answer with every source and the full reminder; feedback and a person below it."""
    rows: list[tuple[Button, ...]] = [row for row in (more_row(intent, lang, shown="more"),) if row]
    if intent.deadline:
        rows.append((Button(label("deadline", lang), f"deadline:{intent.id}"),))
    if intent.kind == "legal":
        rows.append(_feedback_row(intent, lang))
    rows.append(human_row(lang, urgent=intent.urgent))
    return Reply(with_local(intent.full_answer(lang), local), tuple(rows))


def clarify(faq: Faq, choices: tuple[str, ...], lang: str, tag: str | None = None) -> Reply:
    """`tag` names this question in the 「都不是」 action (none:<tag>), so a press on an older one is recognised."""
    rows = tuple((Button(faq[intent_id].title(lang), f"intent:{intent_id}"),) for intent_id in choices)
    none = f"none:{tag}" if tag else "none"
    return Reply(text("clarify", lang), rows + ((Button(text("clarify_none", lang), none),),))


def fallback(lang: str, again: bool, scope: str | None = None, closest: tuple[str, str] | None = None) -> Reply:
    """We can't answer: a legal question we don't cover gets a person and 12348 at once; a question that is not
    legal gets what mingbai can help with. Every fallback says what to do in danger."""
    key = "fallback_again" if again else {"legal": "fallback_legal", "other": "fallback_other"}.get(scope or "", "fallback")
    body = text(key, lang)
    rows: list[tuple[Button, ...]] = [human_row(lang)]
    if closest and scope != "other":
        body += f"\n{text('closest_topic', lang)}{closest[1]}"
        rows.append((Button(closest[1], f"intent:{closest[0]}"),))
    if scope == "other":  # its text points to the topics
        rows.append((Button(label("topics", lang), "topics"),))
    return Reply(f"{body}\n{text('danger_line', lang)}", tuple(rows))


def topics(faq: Faq, lang: str) -> Reply:
    legal_groups = [g for g in faq.groups if any(faq[i].kind == "legal" for i in g.intent_ids)]
    rows = tuple((Button(group.title(lang), f"group:{group.id}"),) for group in legal_groups)
    return Reply(text("topics", lang), rows)


def group_questions(faq: Faq, group_id: str, lang: str) -> Reply:
    group = next((g for g in faq.groups if g.id == group_id), None)
    if group is None:
        return topics(faq, lang)
    rows = tuple((Button(faq[i].title(lang), f"intent:{i}"),) for i in group.intent_ids)
    return Reply(text("topic_questions", lang, group=group.title(lang)), rows + ((Button(label("topics", lang), "topics"),),))


def welcome(faq: Faq, lang: str) -> Reply:
    """The topics, with a button above them for each guided check an answer offers (an intent's `flow:`)."""
    menu = topics(faq, lang)
    flows = tuple(_flow_row(flow, lang) for flow in dict.fromkeys(intent.flow for intent in faq if intent.flow))
    return Reply(text("welcome", lang), flows + menu.buttons + (human_row(lang),))


def _flow_row(flow_id: str, lang: str) -> tuple[Button, ...]:
    """The button that starts a guided check. Its label is the eligibility check's, the one flow there is; a
    second flow would bring its own label with it."""
    return (Button(label("eligibility", lang), f"flowstart:{flow_id}"),)
