"""What advisers see in their Telegram group, as text: which group, topic names, case cards, relayed posts,
/cases and /stats. No I/O here, so every rule an adviser notices can be read (and tested) in one place.

Texts are Chinese first, with English where an adviser might look for it. Cards and lists are HTML (bold,
topic links), so what a villager wrote is escaped there; relayed posts are plain text, sent as written.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.telegram.format import MAX_CAPTION, MEDIA_KINDS, chat_of, split_media
from bot.core.texts import DANGER_LABELS
from bot.handoff import views
from bot.handoff.desk import CLAIMED, CLOSED, WAITING, Case, Event

URGENT = "🆘"
ICON_URGENT, ICON_NORMAL = 0xFB6F5F, 0x6FB9F0  # two of the six colours Telegram allows for topic icons
CONTEXT_LINES = 6
MAX_LISTED = 40  # cases in one /cases answer
PLATFORMS = {"telegram": "Telegram", "web": "网页 Web", "wechat": "微信 WeChat", "terminal": "终端"}
CONTENT_NAMES = {"photo": "照片", "voice": "语音", "document": "文件", "sticker": "表情", "location": "位置",
                 "video": "视频", "contact": "名片", "other": "消息"}
STATUS = {WAITING: "⏳ 等待认领 waiting", CLAIMED: "🙋 {name} 处理中 claimed", CLOSED: "✅ 已关闭 closed"}


# --- which group ---------------------------------------------------------------------------


def adviser_chats(settings, counties=None) -> set[int]:
    """Every advisers' group: MINGBAI_ADVISER_CHAT, the chats of MINGBAI_ADVISER_ROUTES and the counties' groups."""
    chats = {settings.adviser_chat.strip(), *settings.adviser_routes.values()}
    configured = {int(chat) for chat in chats if chat.strip().lstrip("-").isdigit()}
    return configured | (counties.adviser_chats() if counties else set())


def served_chats(settings, counties=None, bot: str = "", county_bots=frozenset()) -> set[int]:
    """The advisers' groups one bot serves, each group by exactly one bot so that nothing in it is handled twice:
    a county's groups by the county's own bot while that runs (`county_bots`), every other group by the default
    bot (`bot` '')."""
    if bot:
        county = counties.get(bot) if counties else None
        return county.chats() if county else set()
    taken = {chat for county in (counties or ()) if county.id in county_bots for chat in county.chats()}
    return adviser_chats(settings, counties) - taken


def route(settings, case: Case, counties=None) -> int | None:
    """The group that handles a case: where its topic already is, else its county's group (faq/counties/), else
    by the intent's group ("fraud.scammed" -> "fraud") in MINGBAI_ADVISER_ROUTES, else MINGBAI_ADVISER_CHAT;
    None when no group is configured."""
    chats = adviser_chats(settings, counties)
    if case.topic_chat and int(case.topic_chat) in chats:
        return int(case.topic_chat)
    county = counties.get(case.county) if counties else None
    if county is not None and county.chat_for(case.intent) is not None:
        return county.chat_for(case.intent)
    group = (case.intent or "").split(".")[0]
    chat = settings.adviser_routes.get(group) or settings.adviser_chat.strip()
    return int(chat) if chat.lstrip("-").isdigit() else None


def topic_link(chat: int, thread: int | None) -> str | None:
    """https://t.me/c/… opens a topic for members of a supergroup (ids "-100…" lose the prefix)."""
    text = str(chat)
    return f"https://t.me/c/{text[4:]}/{thread}" if thread and text.startswith("-100") else None


# --- the case card ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CardFacts:
    """Everything a card shows, read in one go on the core's worker thread."""

    case: Case
    adviser_name: str | None = None
    group_title: str | None = None
    intent_title: str | None = None
    language: str = "zh"
    context: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (direction, text) before the handoff
    blocked: bool = False
    title: str = "村民直接找人工"  # what the case is about (bot.handoff.views.title)
    place: str | None = None  # the county or township the villager gave with /where


def read_facts(conversation, case_id: int) -> CardFacts:
    """A card's facts from the core (blocking: run it on the core's worker thread). Only the conversation
    before the handoff is shown, so the card does not change, and need no edit, with every new message."""
    desk = conversation.desk
    case = desk.case(case_id)
    intent = conversation.faq.intents.get(case.intent) if case.intent else None
    group = next((g for g in conversation.faq.groups if intent and g.id == intent.group), None)
    rows = [row for row in conversation.store.transcript(case.user_key, 30) if row["created_at"] <= case.created_at]
    before = [("in" if line["from"] == "villager" else "out", f"「{line['text']}」" if line["button"] else line["text"])
              for line in views.readable(rows, conversation.faq, conversation.flows)]  # button labels, not actions
    place = None if case.user_key.startswith("forgotten:") else conversation.store.user(case.user_key).place
    return CardFacts(case, desk.display_name(case.adviser) if case.adviser else None,
                     group.title("zh") if group else None, intent.title("zh") if intent else None,
                     conversation.language_of(case.user_key), tuple(before), desk.blocked(case.user_key)[0],
                     views.title(case, views.question(rows, case.intent), conversation.faq), place)


def topic_name(facts: CardFacts) -> str:
    """「#12 🆘 工资被拖欠… · 老板跑了…」: what the case is about, by the villager's question (at most 128 characters)."""
    case = facts.case
    return f"#{case.id} {URGENT + ' ' if case.urgent else ''}{facts.title}"[:128]


def villager_label(user_key: str) -> str:
    platform, _, villager = user_key.partition(":")
    if platform == "forgotten":
        return "（村民已删除资料 data deleted）"
    return f"{PLATFORMS.get(platform, platform)} 村民 …{villager[-4:]}"


def card(facts: CardFacts, queued: int = 0) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card that opens a case: who, what the bot understood, the last messages, its state and buttons."""
    case = facts.case
    danger = f" · {DANGER_LABELS.get(case.danger, case.danger)}" if case.danger else ""
    head = f"{URGENT} <b>紧急 URGENT{danger}</b> · " if case.urgent else "📋 "
    where = f" · 📍 {html.escape(facts.place)}" if facts.place else ""
    lines = [f"{head}<b>案件 #{case.id}</b>", f"📝 <b>{html.escape(facts.title)}</b>",
             f"👤 {html.escape(villager_label(case.user_key))} · {'English' if facts.language == 'en' else '中文'}{where}"]
    if case.intent:
        title = " · ".join(html.escape(part) for part in (facts.group_title, facts.intent_title) if part)
        lines.append(f"❓ {title} ({html.escape(case.intent)})" if title else f"❓ {html.escape(case.intent)}")
    else:
        lines.append("❓ 村民直接找人工 asked for a person")
    lines.append("📌 " + STATUS[case.status].format(name=html.escape(facts.adviser_name or "—")))
    if facts.blocked:
        lines.append("🚫 已屏蔽 blocked")
    if facts.context:
        lines.append("\n<b>最近对话 recent messages</b>")
        lines += [f"{'👤' if direction == 'in' else '🤖'} {html.escape(_short(text.replace('**', ''), 100))}"
                  for direction, text in facts.context[-CONTEXT_LINES:]]
    if queued and case.status != CLOSED:
        lines.append(f"\n⏳ {queued} 条消息排队中 (queued, Telegram limit)")
    return "\n".join(lines), card_keyboard(case)


def card_keyboard(case: Case) -> InlineKeyboardMarkup | None:
    if case.status == CLOSED:
        return None
    close = InlineKeyboardButton("✅ 关闭 Close", callback_data=f"case:close:{case.id}")
    if case.status == WAITING:
        return InlineKeyboardMarkup([[InlineKeyboardButton("🙋 认领 Claim", callback_data=f"case:claim:{case.id}"),
                                      close]])
    return InlineKeyboardMarkup([[close]])


def signature(text: str, markup: InlineKeyboardMarkup | None) -> str:
    """A fingerprint of what a card shows, to edit it only when something changed (Telegram refuses no-op edits)."""
    keyboard = json.dumps(markup.to_dict() if markup else None, sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(f"{text}\n{keyboard}".encode()).hexdigest()


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- relayed posts ---------------------------------------------------------------------------


@dataclass
class Post:
    """One message to the advisers for one or more events: coalesced text, or a file with a caption."""

    event_ids: list[int]
    text: str  # plain text: what villagers write is sent as is, never parsed as HTML
    media: tuple[str, str] | None = None  # (kind, file_id)
    reminder: bool = False  # for the whole group, not only the case's topic


def plan_posts(case: Case, events: list[Event], bot: str = "") -> list[Post]:
    """The posts for a batch of events, in order: consecutive text becomes one post, each file its own. A file
    the villager sent is posted as it is only by the bot that received it (`bot`): a file_id is one bot's."""
    posts: list[Post] = []
    same_bot = case.platform == "telegram" and chat_of(case.villager_id)[0] == bot
    for event in events:
        kind, file_id = split_media(event.media_kind, event.media_ref)
        if event.kind == "villager" and kind in MEDIA_KINDS and file_id and same_bot:
            caption = "👤 " + (_short(event.text, MAX_CAPTION - 20) if event.text else CONTENT_NAMES[kind])
            posts.append(Post([event.id], caption, media=(kind, file_id)))
            continue
        if event.kind == "system" and event.text.startswith("reminder"):  # casework's "reminder: still waiting"
            posts.append(Post([event.id], "", reminder=True))
            continue
        line = _line(event, kind)
        if posts and not posts[-1].media and not posts[-1].reminder:
            posts[-1].event_ids.append(event.id)
            posts[-1].text += "\n" + line if line else ""
        else:
            posts.append(Post([event.id], line))
    return posts


def _line(event: Event, kind: str | None) -> str:
    if event.kind == "villager":
        note = f"[{CONTENT_NAMES.get(kind or 'other', '消息')}，无法在此显示 not shown here]" if kind else ""
        return "👤 " + " ".join(part for part in (event.text, note) if part)
    if event.kind == "closed":
        return "🔚 村民结束了对话 the villager ended the conversation"
    return event.text


def reminder_text(case: Case, now: float, link: str | None) -> str:
    number = f'<a href="{link}">#{case.id}</a>' if link else f"#{case.id}"
    waited = max(1, int((now - case.created_at) // 60))
    mark = f"{URGENT} 紧急 " if case.urgent else ""
    return f"⏰ {mark}案件 {number} 已等待 {waited} 分钟，还没有人认领。Still waiting for an adviser."


# --- /cases and /stats -----------------------------------------------------------------------


def case_list(entries: list[tuple[Case, str | None, str | None, str | None]], now: float, elsewhere: int) -> str:
    """Open cases of one group, urgent first, oldest first: (case, topic title, adviser name, link) each."""
    waiting = sum(1 for case, *_ in entries if case.status == WAITING)
    lines = [f"📋 <b>案件 cases</b>：等待 {waiting} · 处理中 {len(entries) - waiting}"]
    for case, title, adviser, link in entries[:MAX_LISTED]:
        number = f'<a href="{link}">#{case.id}</a>' if link else f"#{case.id}"
        state = (f"等待 {max(0, int((now - case.created_at) // 60))} 分钟" if case.status == WAITING
                 else f"🙋 {html.escape(adviser or '—')}")
        lines.append(f"{URGENT + ' ' if case.urgent else ''}{number} {html.escape(title or '人工咨询')} · {state}")
    if len(entries) > MAX_LISTED:  # one message holds 4,096 characters
        lines.append(f"……还有 {len(entries) - MAX_LISTED} 个 more")
    if not entries:
        lines.append("现在没有待处理的案件。No open cases.")
    if elsewhere:
        lines.append(f"（另有 {elsewhere} 个案件在其他顾问群 in other advisers' groups）")
    return "\n".join(lines)


def stats_text(figures: dict, county: str | None = None) -> str:
    """Today's figures for the advisers' group; `county` names whose they are when they are one county's."""
    today = figures["today"]
    return "\n".join([
        f"📊 <b>{html.escape(county) + ' · ' if county else ''}今天 today</b>",
        f"咨询 questions {today['questions']} · 转人工 handoffs {today['handoffs']}",
        f"等待 waiting {today['waiting']} · 处理中 claimed {today['claimed']} · 今日结案 closed {today['closed']} · "
        f"撤回 withdrawn {today['withdrawn']}",
        f"近 {figures['days']} 天：认领中位 {figures['median_minutes_to_claim'] or '—'} 分钟 · "
        f"结案中位 {figures['median_minutes_to_close'] or '—'} 分钟 · "
        f"满意度 {figures['satisfaction_average'] or '—'}/5",
    ])
