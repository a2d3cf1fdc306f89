"""The advisers' commands in their Telegram group, mixed into `telegram_advisers.AdviserGroup`.

In a case's topic (or in reply to a case's message, in a group without topics): /close [summary],
/note TEXT (kept with the case, never sent), /transfer (back to the queue; /transfer 王律师 [note] to that
colleague), /template NAME (a canned reply
from faq/templates.yaml, in the villager's language), /block and /unblock (also as "/block 12"). Anywhere
in the group: /cases (this group's open cases, urgent first, oldest first), /stats (today's figures; a
county's group gets that county's),
/setname NAME (what villagers see instead of the adviser's Telegram account), /help.

Each command is `_cmd_<name>(message, case id or None, adviser, argument)`; the group has already checked
that the sender is an adviser. Everything goes through the HandoffDesk; replies say what happened.
"""

from __future__ import annotations

import html
import logging
import re
from functools import partial

from telegram import Message

from bot.channels.telegram.advisers.cards import case_list, stats_text, topic_link
from bot.errors import CaseError, CaseNotFound, NoSuchAdviser
from bot.handoff.desk import CLOSED

log = logging.getLogger(__name__)
CASE_NUMBER = re.compile(r"#?(\d+)")
HELP = ("🧑‍⚖️ <b>顾问命令 adviser commands</b>\n"
        "在案件话题里 in a case topic：直接回复 = 发给村民（第一条即认领）\n"
        "/close [总结] 结案 · /note 内容 内部备注 · /transfer 转回队列 · /transfer 王律师 [说明] 转交同事\n"
        "/template 名称 模板回复 · "
        "/block 屏蔽村民 · /unblock 解除屏蔽\n"
        "任何地方 anywhere：/cases 案件列表 · /stats 今日数据 · /setname 名字 村民看到的称呼")
NEEDS_CASE = "请在案件的话题里（或回复案件消息）使用这个命令。Use this inside a case's topic."


class AdviserCommands:
    """Needs from the class it is mixed into: tg, service, desk, relay, members, _say, _relay."""

    def is_admin(self, user) -> bool:
        """MINGBAI_ADMINS may transfer and close a colleague's case; the desk decides (its CaseError says why not)."""
        return user is not None and user.id in self.members.admins

    async def _open_case(self, message: Message, case_id: int | None):
        case = await self.service.call(self.desk.case, case_id) if case_id else None
        if case is None or case.status == CLOSED:
            await self._say(message, NEEDS_CASE if case is None else f"案件 #{case_id} 已关闭。Closed.")
            return None
        return case

    async def _cmd_close(self, message, case_id, adviser, argument) -> None:
        if case := await self._open_case(message, case_id):
            try:
                await self.service.call(partial(self.desk.close, admin=self.is_admin(message.from_user)),
                                        case.id, adviser, argument or None)
            except CaseError as error:
                await self._say(message, case_error(error), case.id)
                return
            self.relay.wake()
            done = f"✅ 案件 #{case.id} 已关闭，已请村民评分。Closed; the villager is asked for a rating."
            await self._say(message, done, case.id)
            await self.tg.refresh(case.id)

    async def _cmd_note(self, message, case_id, adviser, argument) -> None:
        if (case := await self._open_case(message, case_id)) and argument:
            await self.service.call(self.desk.note, case.id, adviser, argument)
            await self._say(message, "📝 已记下，只给顾问看，不发给村民。Noted (not sent).", case.id)
        elif case:
            await self._say(message, "用法 usage：/note 内容", case.id)

    async def _cmd_transfer(self, message, case_id, adviser, argument) -> None:
        """/transfer: back to the queue; /transfer 王律师 [note]: to that colleague (by the name they chose with
        /setname or in the console), with a note kept for them."""
        if not (case := await self._open_case(message, case_id)):
            return
        name, _, note = argument.strip().partition(" ")
        try:
            to = None
            if name:
                to = await self.service.call(self.desk.adviser_named, name)
                if to is None:
                    raise NoSuchAdviser(case.id, name)
            await self.service.call(partial(self.desk.transfer, admin=self.is_admin(message.from_user), to=to,
                                            note=note or None), case.id, adviser)
        except CaseError as error:
            await self._say(message, case_error(error), case.id)
            return
        done = (f"↪️ 案件 #{case.id} 已转交给 {html.escape(name)}{'，说明已记在案件里' if note else ''}。"
                f"Transferred to {html.escape(name)}." if to else
                f"↩️ 案件 #{case.id} 已转回队列，等待其他顾问认领。Back in the queue.")
        await self._say(message, done, case.id)
        await self.tg.refresh(case.id)

    async def _cmd_template(self, message, case_id, adviser, argument) -> None:
        if not (case := await self._open_case(message, case_id)):
            return
        language = await self.service.call(self.service.conversation.language_of, case.user_key)
        text = self.service.templates.get(argument, language) if argument else None
        if text is None:
            names = " · ".join(self.service.templates.names()) or "—"
            await self._say(message, f"用法 usage：/template 名称。可用 available：{html.escape(names)}",
                            case.id)
            return
        if await self._relay(message, case.id, adviser, text, None, None):
            await self._say(message, f"📤 已发送模板 {html.escape(argument)}：\n{html.escape(text)}", case.id)

    async def _cmd_cases(self, message, case_id, adviser, argument) -> None:
        entries, elsewhere = await self.service.call(self._case_rows, message.chat.id)
        await self._say(message, case_list(entries, self.desk.clock(), elsewhere))

    def _case_rows(self, chat: int) -> tuple[list, int]:
        faq, rows, elsewhere = self.service.conversation.faq, [], 0
        for case in self.desk.queue():  # urgent first, then oldest first
            if self.tg.chat_for(case) != chat:
                elsewhere += 1
                continue
            group = next((g for g in faq.groups if case.intent and case.intent.split(".")[0] == g.id), None)
            link = topic_link(chat, case.topic_id) if case.topic_chat == str(chat) else None
            rows.append((case, group.title("zh") if group else None,
                         self.desk.display_name(case.adviser) if case.adviser else None, link))
        return rows, elsewhere

    async def _cmd_stats(self, message, case_id, adviser, argument) -> None:
        """In a county's group its figures (its villagers' questions, its cases); in the default group everyone's."""
        county = self.service.conversation.counties.of_chat(message.chat.id)
        figures = await self.service.call(partial(self.service.store.statistics.service, county=county.id if county else None))
        await self._say(message, stats_text(figures, county.name if county else None))

    async def _cmd_setname(self, message, case_id, adviser, argument) -> None:
        if not argument.strip():
            name = await self.service.call(self.desk.display_name, adviser)
            await self._say(message, f"村民现在看到的称呼 villagers see you as：{html.escape(name)}\n"
                                     "用法 usage：/setname 张律师")
            return
        await self.service.call(self.desk.set_display_name, adviser, argument)
        name = await self.service.call(self.desk.display_name, adviser)
        await self._say(message, f"✅ 村民会看到你的名字 villagers will see：{html.escape(name)}")

    async def _cmd_block(self, message, case_id, adviser, argument, block: bool = True) -> None:
        if match := CASE_NUMBER.fullmatch(argument.strip()):
            case_id = int(match.group(1))
        try:
            case = await self.service.call(self.desk.case, case_id) if case_id else None
        except CaseNotFound:
            case = None
        if case is None:
            await self._say(message, NEEDS_CASE + "（或 /block 12）")
            return
        if block:
            await self.service.call(self.desk.block, case.user_key, adviser)
            log.info("advisers' group %s: case %d's sender blocked by %s", message.chat.id, case.id, adviser)
            text = f"🚫 已屏蔽案件 #{case.id} 的村民：对方会收到一次礼貌说明，之后的消息不再转来。/unblock 解除。"
        else:
            await self.service.call(self.desk.unblock, case.user_key)
            text = f"✅ 已解除屏蔽（案件 #{case.id}）。Unblocked."
        await self._say(message, text, case.id)
        await self.tg.refresh(case.id)

    async def _cmd_unblock(self, message, case_id, adviser, argument) -> None:
        await self._cmd_block(message, case_id, adviser, argument, block=False)

    async def _cmd_help(self, message, case_id, adviser, argument) -> None:
        await self._say(message, HELP)

    _cmd_start = _cmd_help


def case_error(error: CaseError, *, as_html: bool = True) -> str:
    """The desk's reason, for an adviser, Chinese first; escaped for the group's HTML messages, plain for an alert."""
    text = f"⚠️ {error.zh} {error.en}"
    return html.escape(text, quote=False) if as_html else text
