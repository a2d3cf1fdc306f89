"""Buttons: what each action a villager can press does (answer, feedback, flows, language, /forget ...).

The actions are the core's own small protocol (see `bot.core.replies`); a
channel without buttons sends the same actions when the villager types a digit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core import deadlines, local, replies
from bot.core.texts import label, text
from bot.messages import Button, Reply

if TYPE_CHECKING:
    from bot.core.conversation import Conversation, Turn

#: The commands a button may stand for (cmd:<name>).
BUTTON_COMMANDS = ("where", "privacy", "forget")


class Buttons:
    def __init__(self, conversation: "Conversation"):
        self.conversation = conversation

    def press(self, turn: "Turn", action: str) -> None:
        conversation = self.conversation
        name, _, argument = action.partition(":")
        user, lang = turn.user, turn.lang
        if name == "intent" and argument in conversation.faq:
            chosen = argument in (user.extra.pop("offered", None) or [])  # a "您是想问" choice, not a follow-up
            conversation.answer_intent(turn, argument, question=user.extra.get("last_question") if chosen else None)
        elif name == "more" and argument in conversation.faq:  # 「📖 详细说明」 under a first bubble
            addition = local.addition(conversation, user, argument, lang)
            turn.say(replies.details(conversation.faq[argument], lang, addition))
        elif name in ("bring", "basis") and argument in conversation.faq:  # 「要带什么」「法律依据」 beside it
            intent = conversation.faq[argument]
            if name == "bring" and intent.bring is None:
                turn.say(Reply(text("stale_button", lang)))  # the FAQ was edited since the button was shown
            else:
                turn.say(replies.part_of_answer(intent, name, lang))
        elif name == "fb":
            helpful, intent_id = argument.split(":", 1)[0] == "up", argument.split(":", 1)[-1]
            conversation.store.record_feedback(user.key, intent_id, helpful)
            if not helpful:
                answered = user.extra.get("answered") or {}
                question = answered.get("question") if answered.get("intent") == intent_id else None
                conversation.store.record_unanswered(user.key, question or intent_id, intent_id, 0.0, "not_helpful")
            turn.say(Reply(text("helpful_thanks" if helpful else "not_helpful", lang),
                           () if helpful else (replies.human_row(lang),)))
        elif name == "cmd" and argument in BUTTON_COMMANDS:  # /help's buttons, so nobody must type a command
            conversation.commands.run(turn, f"/{argument}")
        elif name == "handoff":
            conversation.start_handoff(turn, urgent=argument == "urgent")
        elif name == local.ACTION:  # which county, asked before a handoff
            conversation.choose_county(turn, argument)
        elif name == "flowstart" and argument in conversation.flows.ids():
            conversation.start_flow(turn, argument)
        elif action == "flow:exit":  # 退出 under a flow question; an old one after the flow says so
            conversation.leave_flow(turn) if user.flow else turn.say(Reply(text("nothing_to_cancel", lang)))
        elif name == "exit":  # 退出 under a prompt (the deadline date)
            conversation.commands.run(turn, "/cancel")
        elif name == "flow" and not user.flow:
            turn.say(Reply(text("stale_button", lang)))  # the flow is over: no false "I noted your question"
        elif name == "flow" and argument.partition(":")[0] != conversation.flows.current_step(user.flow):
            conversation.resume_flow(turn, before=text("stale_button", lang))  # a button from an earlier question
        elif name == "flow":
            conversation._flow_step(turn, action=action)
        elif name == "deadline" and argument in conversation.faq and conversation.faq[argument].deadline:
            user.awaiting = action
            turn.say(Reply(deadlines.ask(conversation.faq[argument], lang), ((Button(label("exit", lang), "exit"),),)))
        elif name == "group":
            turn.say(replies.group_questions(conversation.faq, argument, lang))
        elif name == "topics":
            turn.say(replies.topics(conversation.faq, lang))
        elif name == "lang" and argument in ("zh", "en"):
            user.lang = turn.lang = argument
            turn.say(Reply(text("lang_set", argument)))
        elif name == "forget":
            self._forget(turn, confirmed=argument == "yes")
        elif name == "end":
            conversation.casework.end(turn)
        elif name == "rate":
            conversation.casework.rate(turn, argument)
        elif name == "none" and self._clarified(turn, argument):  # 「都不是」 under the latest "您是想问"
            clarified = user.extra.pop("clarified")
            user.extra.pop("offered", None)
            conversation.store.record_unanswered(user.key, clarified["question"], None, 0.0, "none_of_these")
            turn.say(replies.fallback(lang, again=False, scope="legal"))
        else:  # a button from an old message (an older 「都不是」, a topic that is gone): nothing is recorded
            turn.say(Reply(text("stale_button", lang)))

    @staticmethod
    def _clarified(turn: "Turn", argument: str) -> bool:
        """True when a 「都不是」 press belongs to the question still waiting for a choice (plain "none": older build)."""
        clarified = turn.user.extra.get("clarified") or {}
        return bool(clarified.get("question")) and argument in ("", str(clarified.get("seq")))

    def _forget(self, turn: "Turn", confirmed: bool) -> None:
        """Delete everything, but only in answer to the question just asked: an old 确定删除 button deletes nothing."""
        conversation = self.conversation
        if turn.user.awaiting != "forget":
            turn.say(Reply(text("stale_button", turn.lang)))
            return
        turn.user.awaiting = None
        if not confirmed:
            turn.say(Reply(text("forget_kept", turn.lang)))
            return
        conversation.store.forget_villager(turn.user.key, conversation.desk.clock())
        turn.forgotten = True
        turn.say(Reply(text("forget_done", turn.lang)))

    def ask_forget(self, turn: "Turn") -> None:
        turn.user.awaiting = "forget"
        buttons = ((Button(label("yes_forget", turn.lang), "forget:yes"), Button(label("no_forget", turn.lang), "forget:no")),)
        turn.say(Reply(text("forget_confirm", turn.lang), buttons))
