"""The advisers' Telegram group(s): what advisers do there, on the same PTB Application as the villagers.

In a case's topic (or, in a group without topics, in reply to the case's messages) an adviser's text,
photo, voice message or document goes to the villager, under the adviser's /setname display name, never
their Telegram account; the first one claims the case. Commands: /close [summary], /note TEXT (never sent),
/transfer, /template NAME, /block and /unblock there; /cases, /stats, /setname NAME anywhere in the group.

Only members of that group and MINGBAI_ADMINS may act; anyone else is refused, and logged without what they
wrote. These handlers run in a PTB handler group before the villager channel's and stop the update there.
Everything a case needs is written through the HandoffDesk first; the relay then delivers it.
"""

from __future__ import annotations

import logging
import re
import time
from functools import partial

from telegram import Message, ReplyParameters, Update, User
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.channels.telegram.advisers.budget import Budget
from bot.channels.telegram.advisers.commands import HELP, AdviserCommands, case_error
from bot.channels.telegram.advisers.desk import NO_PREVIEW, TelegramAdviserDesk
from bot.channels.telegram.application import RecentIds
from bot.channels.telegram.format import chat_of
from bot.errors import CaseError
from bot.handoff.desk import CLOSED, WAITING

log = logging.getLogger(__name__)
HANDLER_GROUP = -1  # PTB runs lower groups first; the villager channel is in group 0
MEMBERSHIP_TTL = 300.0  # seconds a getChatMember answer is trusted
MEMBERS = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
COMMAND = re.compile(r"/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?:\s+(.*))?$", re.DOTALL)
REFUSED = "⛔ 只有顾问群成员和管理员可以处理案件。Only advisers can do this."


def add_adviser_handlers(application: Application, settings, service, relay, *, budget: Budget | None = None,
                         county_bots=frozenset()) -> TelegramAdviserDesk:
    """Serve the advisers' group(s) from `application`, and show cases there through `relay`. With several bots,
    each serves its own groups (`served_chats`); `county_bots` are the counties whose own bot runs."""
    desk = TelegramAdviserDesk(application, settings, service, relay, budget, county_bots)
    relay.add_adviser_desk(desk)
    application.add_handler(TypeHandler(Update, AdviserGroup(desk, settings, service, relay).on_update),
                            group=HANDLER_GROUP)
    return desk


class Members:
    """Who may act as an adviser: members of the group (asked with getChatMember, cached) and MINGBAI_ADMINS."""

    def __init__(self, desk: TelegramAdviserDesk, admins, clock=time.monotonic):
        self.desk, self.admins, self.clock = desk, set(admins), clock
        self._known: dict[tuple[int, int], tuple[bool, float]] = {}

    async def allow(self, chat: int, user: User) -> bool:
        if user.id in self.admins:
            return True
        known = self._known.get((chat, user.id))
        if known and known[1] > self.clock():
            return known[0]
        self.desk.budget.spend(chat)  # PTB's limiter counts it against the group too
        try:
            member = await self.desk.bot.get_chat_member(chat, user.id)
        except TelegramError as error:
            log.warning("advisers' group %s: membership of user %s unknown (%s)", chat, user.id,
                        type(error).__name__)
            return False
        allowed = member.status in MEMBERS or (member.status == ChatMemberStatus.RESTRICTED and member.is_member)
        self._known[(chat, user.id)] = (allowed, self.clock() + MEMBERSHIP_TTL)
        return allowed


class AdviserGroup(AdviserCommands):
    def __init__(self, desk: TelegramAdviserDesk, settings, service, relay):
        self.tg, self.service, self.relay = desk, service, relay
        self.desk = service.conversation.desk
        self.settings = settings
        self.members = Members(desk, settings.admins)
        self.seen = RecentIds()

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None or chat.id not in self.tg.chats():
            return  # a villager's update (the villager channel's business), or a group another bot serves
        try:
            if not self.seen.first_time(update.update_id):
                log.info("advisers' group %s: update %s delivered again; ignored", chat.id, update.update_id)
            elif update.callback_query and update.callback_query.message:
                await self._on_button(update, chat.id)
            elif update.message and update.message.from_user and not update.message.from_user.is_bot:
                await self._on_message(update.message, chat.id, context.bot.username)
        except TelegramError as error:
            log.warning("advisers' group %s: update %s not fully handled: %s", chat.id, update.update_id,
                        type(error).__name__)
        raise ApplicationHandlerStop

    # --- buttons on the card ---

    async def _on_button(self, update: Update, chat: int) -> None:
        query = update.callback_query
        prefix, action, number = ((query.data or "") + "::").split(":")[:3]
        if prefix != "case" or not number.isdigit() or action not in ("claim", "close"):
            await query.answer()
            return
        if not await self.members.allow(chat, query.from_user):
            log.warning("advisers' group %s: refused a %s button from user %s", chat, action, query.from_user.id)
            await query.answer(REFUSED, show_alert=True)
            return
        adviser, case_id = f"telegram:{query.from_user.id}", int(number)
        try:
            if action == "claim":
                await self.service.call(self.desk.claim, case_id, adviser)
            else:
                close = partial(self.desk.close, admin=self.is_admin(query.from_user))
                await self.service.call(close, case_id, adviser, None)
                self.relay.wake()  # the villager is thanked and asked for a rating
        except CaseError as error:
            await query.answer(case_error(error, as_html=False), show_alert=True)
            return
        await query.answer(f"🙋 你已认领案件 #{case_id}" if action == "claim" else f"✅ 案件 #{case_id} 已关闭")
        await self.tg.refresh(case_id)

    # --- messages ---

    async def _on_message(self, message: Message, chat: int, username: str) -> None:
        text = message.text or message.caption or ""
        command, argument = parse_command(text, username)
        case_id = await self._case_of(message, chat)
        if command is None and (case_id is None or not (text or adviser_media(message)[0])):
            return  # advisers talking among themselves, or a service message
        if not await self.members.allow(chat, message.from_user):
            log.warning("advisers' group %s: refused user %s (not a member of the group)", chat,
                        message.from_user.id)
            await self._say(message, REFUSED)
            return
        adviser = f"telegram:{message.from_user.id}"
        if command is None:
            await self._relay(message, case_id, adviser, text, *adviser_media(message))
            return
        handler = getattr(self, f"_cmd_{command}", None)
        await (handler(message, case_id, adviser, argument) if handler else self._say(message, HELP))

    async def _case_of(self, message: Message, chat: int) -> int | None:
        """The case a message belongs to: its topic's, or (without topics) that of the bot message it answers."""
        if message.is_topic_message and message.message_thread_id:
            return await self.service.call(self.tg.ledger.case_of_topic, chat, message.message_thread_id)
        reply = message.reply_to_message
        if reply and reply.from_user and reply.from_user.id == message.get_bot().id:
            return await self.service.call(self.tg.ledger.case_of_message, chat, reply.message_id)
        return None

    async def _say(self, message: Message, text: str, case_id: int | None = None) -> None:
        """A short answer (HTML) where the adviser wrote: in the topic, else as a reply to their message. It is
        paid from the group's budget even when that is spent (advisers are waiting for it)."""
        chat, thread = message.chat.id, message.message_thread_id if message.is_topic_message else None
        self.tg.budget.spend(chat)
        reply = None if thread else ReplyParameters(message.message_id, allow_sending_without_reply=True)
        sent = await self.tg.bot.send_message(chat, text, parse_mode="HTML", message_thread_id=thread,
                                              reply_parameters=reply, link_preview_options=NO_PREVIEW)
        if case_id is not None:  # an adviser may answer it with a reply, in a group without topics
            await self.service.call(self.tg.ledger.record, case_id, [], chat, [sent.message_id])

    async def _relay(self, message: Message, case_id: int, adviser: str, text: str, kind, file_id) -> bool:
        """An adviser's words (or file) to the villager, written down first; the first one claims the case.
        False (and the adviser told why) when nothing goes to the villager."""
        if not text and not kind:
            await self._say(message, "⚠️ 只能转发文字、照片、语音和文件。Text, photos, voice and documents only.")
            return False
        case = await self.service.call(self.desk.case, case_id)
        if case.status == CLOSED:
            await self._say(message, f"案件 #{case_id} 已关闭，消息没有转给村民。This case is closed.", case_id)
            return False
        if kind and not self._files_reach(case):
            await self._say(message, "⚠️ 这位村民在另一个机器人上，文件转不过去，请用文字回复。The villager uses another "
                                     "bot: files cannot cross over; please write.", case_id)
            return False
        key = f"telegram:{message.chat.id}:{message.message_id}"
        try:
            if not await self.service.call(self._write_once, key, case_id, adviser, text, kind, file_id):
                return False  # Telegram delivered this message twice: it went the first time
        except CaseError as error:
            await self._say(message, case_error(error) + "（消息没有转给村民 not sent）", case_id)
            return False
        self.relay.wake()
        if case.status == WAITING:
            await self.tg.refresh(case_id)
        return True

    def _files_reach(self, case) -> bool:
        """A Telegram file_id works only with the bot that has it: an adviser's file reaches a villager on another
        bot (a county's own bot and the default one) no more than it would a web villager as a file."""
        return case.platform != "telegram" or chat_of(case.villager_id)[0] == self.tg.bot_key

    def _write_once(self, key: str, case_id: int, adviser: str, text: str, kind, file_id) -> bool:
        """On the worker: mark Telegram's message seen and write it for the villager in one transaction, so a
        crash or a failed write between the two can never leave it seen but unsent. False for a redelivery."""
        with self.service.store.transaction():
            if not self.service.store.claim_message(key, adviser):
                return False
            self.desk.from_adviser(case_id, adviser, text, kind, file_id)
            return True


def parse_command(text: str, username: str) -> tuple[str | None, str]:
    """("close", "已告知") for "/close@mingbai_bot 已告知"; (None, "") for text or another bot's command."""
    match = COMMAND.match(text)
    if match is None or (match.group(2) and match.group(2).lower() != (username or "").lower()):
        return None, ""
    return match.group(1).lower(), (match.group(3) or "").strip()


def adviser_media(message: Message) -> tuple[str | None, str | None]:
    """(kind, file_id) of a photo (largest size), voice message or document an adviser sent."""
    if message.photo:
        return "photo", message.photo[-1].file_id
    for kind in ("voice", "document"):
        if item := getattr(message, kind):
            return kind, item.file_id
    return None, None
