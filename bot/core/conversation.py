"""The conversation core: one Incoming in, one Outcome out, the same for every channel.

It reads like the data flow: remember who this is → emergency first → command,
button, pending question or flow step → otherwise match → answer, clarify or
fall back → remember. It is synchronous (SQLite and matching both block), and
`bot.core.service.ChatService` runs it on one worker thread for the async
channels.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from bot.content.counties import Counties
from bot.content.folder import Content
from bot.content.places import Places
from bot.core import deadlines, local, replies
from bot.core.buttons import Buttons
from bot.core.casework import CaseWork, villager_reply
from bot.core.commands import Commands
from bot.core.texts import label, text
from bot.errors import StorageError
from bot.flows.engine import Flows
from bot.handoff.desk import Event, HandoffDesk
from bot.handoff.hours import OfficeHours
from bot.messages import Button, Effect, Incoming, Outcome, Reply
from bot.settings import RETENTION_DAYS
from bot.storage.store import Store, UserState
from intents.faq import Faq
from intents.matcher import Decision, Matcher
from intents.triage import Danger

#: What a villager may still do while talking to an adviser, instead of it being relayed.
_CASE_CONTROL_ACTIONS = ("end", "rate", "forget", "lang", "handoff")
_CASE_CONTROL_COMMANDS = ("/end", "/forget", "/privacy", "/lang", "/human", "/help")

#: How long after an emergency message a request for a person still opens an urgent case (seconds).
DANGER_MEMORY = 30 * 60

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def written_language(message: str) -> str | None:
    """"en" for a message written in English, "zh" for Chinese, None when it cannot tell (digits, emoji)."""
    if _CJK.search(message):
        return "zh"
    if len(_LATIN.findall(message)) >= 2:
        return "en"
    return None


def _asks_to_forget(incoming: Incoming) -> bool:
    """/forget, its button, or the answer to its confirmation: what a blocked villager may still do."""
    return (incoming.text or "").strip() == "/forget" or incoming.action in ("cmd:forget", "forget:yes", "forget:no")


def _language(user: UserState) -> str:
    """Chinese unless the villager chose English with /lang or writes in English."""
    return user.lang or user.extra.get("writes") or "zh"


def _controls_case(incoming: Incoming) -> bool:
    """True for the buttons and commands that act on the conversation itself during a handoff."""
    if incoming.action:
        return incoming.action.partition(":")[0] in _CASE_CONTROL_ACTIONS
    word = (incoming.text or "").strip().split(" ")[0].split("@")[0].lower()
    return word in _CASE_CONTROL_COMMANDS


@dataclass
class Turn:
    """One Incoming being handled: who, in which language, and what we are going to say."""

    incoming: Incoming
    user: UserState
    lang: str
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    logged: dict = field(default_factory=dict)  # intent, score, decision of the incoming message
    forgotten: bool = False

    def say(self, reply: Reply) -> None:
        self.replies.append(reply)


class Conversation:
    """Decides what to say. Channels translate; storage remembers; this decides."""

    def __init__(self, faq: Faq, matcher: Matcher, store: Store, flows: Flows, places: Places, desk: HandoffDesk,
                 *, today: Callable[[], dt.date] = dt.date.today, retention_days: int = RETENTION_DAYS,
                 hours: OfficeHours | None = None, counties: Counties | None = None):
        self.faq, self.matcher, self.store, self.flows, self.places = faq, matcher, store, flows, places
        self.counties = counties or Counties()
        self.desk = desk
        self.today = today
        self.retention_days = retention_days
        self.commands = Commands(self)
        self.buttons = Buttons(self)
        self.casework = CaseWork(desk, desk.clock, hours)

    def handle(self, incoming: Incoming) -> Outcome:
        user = self.store.user(incoming.user_key)
        written = written_language(incoming.text) if incoming.text and not incoming.text.startswith("/") else None
        if written:
            user.extra["writes"] = written
        turn = Turn(incoming, user, _language(user))
        local.bind(self, turn)
        if self.casework.blocked(turn) and not _asks_to_forget(incoming):  # their right to delete stays theirs
            return Outcome(tuple(turn.replies))
        self._dispatch(turn)
        if not turn.forgotten:
            self._remember(turn)
        return Outcome(tuple(turn.replies), tuple(turn.effects))

    def may_wait(self, incoming: Incoming, earlier: list[str]) -> bool:
        """True when this message may wait for more of the villager's burst (`bot.core.bursts`): typed text, no
        command, no danger (in it, or in it read with the fragments `earlier`), no button's number, and nothing
        the bot is in the middle of (a flow, a question it asked, an adviser's case), where each message counts."""
        message = (incoming.text or "").strip()
        if incoming.action or incoming.content != "text" or incoming.media or not message or message.startswith("/"):
            return False
        user = self.store.user(incoming.user_key)
        if user.flow or user.awaiting or self.desk.open_case_for(user.key) or self.desk.blocked(user.key)[0]:
            return False
        if not earlier and self._numbered_choice(user, message) is not None:
            return False  # after a fragment, a digit is part of what is being typed ("欠了" / "3" / "个月")
        return self.matcher.triage("\n".join(earlier + [message])) is None

    def answer_without_storage(self, incoming: Incoming) -> Outcome:
        """Storage is failing: still answer from the FAQ (reading needs no writes), say honestly that nothing
        was saved and no adviser can be reached here now, and mark the outcome `unsaved` for the channel."""
        typed = incoming.text if incoming.text and not incoming.text.startswith("/") else ""
        lang = written_language(typed) or self._language_if_readable(incoming.user_key)
        notice = Reply(text("storage_down", lang))
        decision = self.matcher.match(incoming.text) if incoming.text and not incoming.text.startswith("/") else None
        if decision is None or decision.kind != "answer":
            return Outcome((notice,), (Effect("unsaved"),))
        answer = Reply(self.faq[decision.intent].full_answer(lang))
        return Outcome((answer, notice), (Effect("unsaved"),))

    def _language_if_readable(self, user_key: str) -> str:
        """The villager's language from their stored state, or Chinese when storage cannot even be read."""
        try:
            return self.language_of(user_key)
        except StorageError:
            return "zh"

    def replace_content(self, content: Content) -> None:
        """A validated FAQ reload: from the next message on, answers come from the new files."""
        self.faq, self.matcher, self.flows, self.places = content.faq, content.matcher, content.flows, content.places
        self.counties = content.counties

    def language_of(self, user_key: str) -> str:
        return _language(self.store.user(user_key))

    # --- what a channel keeps about a villager (on the worker thread) -----------------------

    def channel_notes(self, user_key: str, *names: str) -> dict:
        """The values `note` kept under `names` for this villager (those it kept)."""
        extra = self.store.user(user_key).extra
        return {name: extra[name] for name in names if name in extra}

    def note(self, user_key: str, kept: dict | None = None, dropped: tuple[str, ...] = ()) -> None:
        """Keep a channel's own bookkeeping about a villager (WeChat: when they last wrote, whether they
        unfollowed) in their state: it survives a restart, is exported and goes with /forget. Read and written
        back under the villager's lock, so a message handled meanwhile by another process loses nothing."""
        with self.store.transaction():
            self.store.lock_villager(user_key)
            user = self.store.user(user_key)
            user.extra.update(kept or {})
            for name in dropped:
                user.extra.pop(name, None)
            self.store.save_user(user)

    def offer_choices(self, user_key: str, actions: list[str]) -> None:
        """A message sent outside a reply (the relay's) shows these numbered choices: a digit now picks one, as
        after the core's own replies (`_numbered_choice`)."""
        self.note(user_key, {"options": actions})

    def villager_delivery(self, event: Event) -> tuple[str, str, Reply]:
        """(platform, villager id, reply) for a case event the relay must deliver to the villager."""
        case = self.desk.case(event.case_id)
        reply = villager_reply(event, self.desk.display_name(event.author), self.language_of(case.user_key))
        return case.platform, case.villager_id, reply

    def remind_overdue(self, older_than: float) -> int:
        """Tell villagers whose case nobody took in time, and remind advisers; returns how many."""
        cases = self.desk.overdue(older_than)
        for case in cases:
            self.casework.remind_overdue(case, self.language_of(case.user_key), self.counties.get(case.county))
        return len(cases)

    def tell_case_progress(self) -> int:
        """Tell waiting villagers a changed place in the queue, and who took their case (the relay's pass)."""
        return self.casework.tell_progress(self.store, self.language_of)

    def _dispatch(self, turn: Turn) -> None:
        incoming = turn.incoming
        case = self.desk.open_case_for(turn.user.key)
        choice = self._numbered_choice(turn.user, (incoming.text or "").strip())
        if case and choice and choice.partition(":")[0] in _CASE_CONTROL_ACTIONS:
            self.on_action(turn, choice)  # "1" for 结束 on a channel without buttons
        elif case and not _controls_case(incoming):
            if incoming.text and (found := self.matcher.triage(incoming.text)):
                turn.say(Reply(found.kind.reply(turn.lang)))
                self._remember_danger(turn, found)
                self.desk.open_case(turn.user.key, case.intent, urgent=True, danger=found.kind.id)
            self.casework.relay(turn, case)
        elif incoming.action:
            self.on_action(turn, incoming.action)
        elif not incoming.text or not incoming.text.strip():
            self._on_other_content(turn)
        else:
            self._on_text(turn, incoming.text.strip())

    def _remember(self, turn: Turn) -> None:
        incoming, user = turn.incoming, turn.user
        shown = incoming.text or (f"[button] {incoming.action}" if incoming.action else f"[{incoming.content}]")
        for part in incoming.parts[:-1]:  # a burst read as one: each message as typed, the decision on the last
            self.store.log_message(user.key, "in", part)
        self.store.log_message(user.key, "in", incoming.parts[-1] if incoming.parts else shown, **turn.logged)
        for reply in turn.replies:
            self.store.log_message(user.key, "out", reply.text)
        options = [button.action for reply in turn.replies for button in reply.all_buttons()]
        if options:  # so a villager on a channel without buttons can answer with a digit
            user.extra["options"] = options
        self.store.save_user(user)

    # --- text ------------------------------------------------------------------------------

    def _on_text(self, turn: Turn, message: str) -> None:
        found = self.matcher.triage(message) if not message.startswith("/") else None
        if found:
            self._on_danger(turn, found, message)
        elif message.startswith("/"):
            self.commands.run(turn, message)
        elif turn.user.awaiting:
            self._on_awaited_answer(turn, message)
        elif turn.user.flow:
            self._on_flow_text(turn, message)
        elif (choice := self._numbered_choice(turn.user, message)) is not None:
            self.on_action(turn, choice)
        else:
            self._match(turn, message)

    def _on_danger(self, turn: Turn, found: Danger, message: str) -> None:
        """The emergency step first, whatever the villager was doing; then, for violence and fraud, the matching
        urgent answer; for self-harm and poison nothing legal in the same turn (it is offered afterwards)."""
        kind, user = found.kind, turn.user
        self._remember_danger(turn, found)
        turn.logged = {"decision": f"danger:{kind.id}"}
        user.awaiting = None  # a pending date or comment question must not swallow an emergency
        body = kind.reply(turn.lang)
        if not kind.legal_answer and kind.after and kind.after(turn.lang):
            body += "\n\n" + kind.after(turn.lang)
        turn.say(Reply(body, (replies.human_row(turn.lang, urgent=True),)))
        if user.flow:
            turn.say(Reply(text("flow_resume", turn.lang), (exit_row(turn.lang),)))
        elif kind.legal_answer:
            decision = self.matcher.match(message)
            if decision.kind != "fallback" and decision.intent in kind.answers:
                self.answer_intent(turn, decision.intent, question=message)

    def _remember_danger(self, turn: Turn, found: Danger) -> None:
        turn.user.extra["danger"] = {"kind": found.kind.id, "at": self.desk.clock()}

    def recent_danger(self, user: UserState) -> str | None:
        """The emergency this villager signalled in the last half hour, if any (a request for a person is then urgent)."""
        danger = user.extra.get("danger") or {}
        return danger.get("kind") if self.desk.clock() - danger.get("at", 0) <= DANGER_MEMORY else None

    @staticmethod
    def _numbered_choice(user: UserState, message: str) -> str | None:
        """The button a bare number stands for ("2", a full-width "２"), on channels without buttons."""
        options = user.extra.get("options") or []
        number = unicodedata.normalize("NFKC", message)
        if re.fullmatch(r"[0-9]{1,3}", number) and 1 <= int(number) <= len(options):
            return options[int(number) - 1]
        return None

    def _match(self, turn: Turn, message: str, decision: Decision | None = None) -> None:
        """Answer, ask back or fall back; `decision` is the matcher's, when the caller has already asked it."""
        decision = decision or self.matcher.match(message)
        turn.logged = {"intent": decision.intent, "score": round(decision.score, 4), "decision": decision.kind}
        user = turn.user
        user.extra["last_question"] = message
        if decision.kind != "clarify" or self.faq[decision.intent].urgent:
            user.extra.pop("offered", None)  # an older "您是想问" no longer stands for this question
            user.extra.pop("clarified", None)
        if decision.kind == "fallback":
            user.fallback_streak += 1
            self.store.record_unanswered(user.key, message, decision.intent, decision.score, "fallback")
            closest = None
            if decision.intent and decision.score >= self.matcher.thresholds.fallback_below / 2:
                closest = (decision.intent, self.faq[decision.intent].title(turn.lang))
            turn.say(replies.fallback(turn.lang, again=user.fallback_streak >= 2, scope=decision.out_of_scope, closest=closest))
            return
        user.fallback_streak = 0
        if decision.kind == "clarify" and self.faq[decision.intent].urgent:
            self.answer_intent(turn, decision.intent, question=message)  # never "did you mean" to a person in trouble
        elif decision.kind == "clarify":
            user.extra["offered"] = list(decision.choices)
            seq = int((user.extra.get("clarified") or {}).get("seq", 0)) + 1
            user.extra["clarified"] = {"seq": seq, "question": message}  # what its 「都不是」 stands for
            turn.say(replies.clarify(self.faq, decision.choices, turn.lang, tag=str(seq)))
        else:
            self.answer_intent(turn, decision.intent, question=message)

    def answer_intent(self, turn: Turn, intent_id: str, question: str | None = None) -> None:
        """Answer `intent_id`; `question` is what the villager typed, kept in case they press 👎."""
        intent = self.faq[intent_id]
        if intent.handoff == "start":  # "找人工": the case keeps the topic the villager asked about before
            self.start_handoff(turn, urgent=False)
            return
        turn.user.last_intent = intent_id
        turn.user.extra["answered"] = {"intent": intent_id, "question": question or intent.title(turn.lang)}
        place_line = local.place_line(self, turn.user, intent_id, turn.lang)
        addition = local.addition(self, turn.user, intent_id, turn.lang)
        turn.say(replies.answer(self.faq, intent, turn.lang, place_line, addition,
                                ask_where=local.asks_for_county(self, turn.user, intent_id)))

    def start_handoff(self, turn: Turn, urgent: bool, ask_county: bool = True) -> None:
        """Open (or rejoin) a case; right after an emergency or an urgent answer it is urgent whatever was pressed.
        With counties configured and the villager's unknown, a non-urgent request first asks which county."""
        danger = self.recent_danger(turn.user)
        last = turn.user.last_intent
        urgent = urgent or danger is not None or bool(last and last in self.faq and self.faq[last].urgent)
        if ask_county and local.should_ask(self, turn, urgent):
            local.ask(self, turn)
            return
        if turn.user.awaiting == local.AWAITING_HANDOFF:  # 🆘 pressed instead of answering: no longer asked
            turn.user.awaiting = None
        self.casework.start(turn, urgent, danger, advice=self._while_waiting(turn.lang),
                            county=local.county_of(self, turn.user))

    def choose_county(self, turn: Turn, county_id: str) -> None:
        """A county button (county:<id>, county:none): remembered; the handoff that asked for it goes on."""
        county = self.counties.get(county_id)
        waiting = turn.user.awaiting == local.AWAITING_HANDOFF
        if county is None and (county_id != local.UNSURE or not waiting):
            turn.say(Reply(text("stale_button", turn.lang)))
            return
        if county is not None:
            turn.user.county = county.id
        if waiting:
            turn.user.awaiting = None
            self.start_handoff(turn, urgent=False, ask_county=False)
        else:  # a county button from an earlier question: noted, like /where
            turn.say(Reply(text("where_set", turn.lang, area=county.label(turn.lang))))

    def _while_waiting(self, lang: str) -> str | None:
        """What the villager should do while waiting (say what happened, never send codes): the steps of
        `handoff.request`'s own answer, whose first line only repeats that a person is coming."""
        intent = self.faq.intents.get(replies.HANDOFF_INTENT)
        steps = intent.answer(lang).strip().split("\n")[1:] if intent else []
        return "\n".join(steps) or None

    # --- things the bot asked for ----------------------------------------------------------

    def _on_awaited_answer(self, turn: Turn, message: str) -> None:
        user = turn.user
        awaiting = user.awaiting or ""
        if awaiting.startswith("comment:"):
            user.awaiting = None
            if deadlines.is_leaving(message):
                turn.say(Reply(text("cancelled", turn.lang)))
            elif other := self._other_question(message, None):  # a new question or 找人工 is no comment on the service
                self._match(turn, message, other)
            else:
                self.casework.comment(turn, awaiting.split(":", 1)[1], message)
        elif awaiting == "forget":
            confirmed = message.strip().lower() in self.flows.answers.confirm  # faq/flows/answers.yaml
            self.on_action(turn, "forget:yes" if confirmed else "forget:no")
        elif awaiting == "where":
            self.set_place(turn, message)
        elif awaiting == local.AWAITING_HANDOFF:  # a county named, a digit for its button, or anything: a person
            if deadlines.is_leaving(message):
                self.commands.run(turn, "/cancel")
                return
            choice = self._numbered_choice(user, message)
            county = self.counties.get(choice.partition(":")[2]) if choice and choice.startswith("county:") else None
            county = county or local.named_in(self, message)[1]
            user.county, user.awaiting = (county.id if county else user.county), None
            self.start_handoff(turn, urgent=False, ask_county=False)
        elif awaiting.startswith("deadline:"):
            intent = self.faq.intents.get(awaiting.split(":", 1)[1])
            if deadlines.is_leaving(message):  # 退出, 算了: every prompt promises this works
                self.commands.run(turn, "/cancel")
                return
            step = deadlines.reply(intent, message, self.today(), turn.lang) if intent and intent.deadline else None
            other = self._other_question(message, intent.id) if step is not None and step.kind == "unclear" else None
            if step is None or other:
                user.awaiting = None  # "算了，我想找个真人问问" is answered, not refused as a bad date; so is a stale state
                self._match(turn, message, other)
                return
            user.awaiting = None if step.done else awaiting
            turn.say(Reply(step.text, (replies.human_row(turn.lang),) if step.done else (exit_row(turn.lang, "exit"),)))
        else:
            user.awaiting = None
            self._match(turn, message)

    def _other_question(self, message: str, intent_id: str | None) -> Decision | None:
        """The matcher's decision when a message that is no date or comment is confidently a request for a person
        or another legal question (not `intent_id`); None otherwise."""
        decision = self.matcher.match(message)
        if decision.kind != "answer" or decision.intent == intent_id:
            return None
        other = self.faq[decision.intent]
        return decision if other.kind == "legal" or other.handoff == "start" else None  # "不晓得" is no "thank you"

    def set_place(self, turn: Turn, message: str) -> None:
        area, county = local.named_in(self, message)
        if area is None:
            turn.user.awaiting = "where"
            turn.say(Reply(text("where_unknown", turn.lang), (exit_row(turn.lang, "exit"),)))
            return
        turn.user.place, turn.user.awaiting = area, None
        if county is not None:
            turn.user.county = county.id
        turn.say(Reply(text("where_set", turn.lang, area=area) + "\n" + self.places.describe(area, "legal_aid_centre", turn.lang)))

    # --- flows -----------------------------------------------------------------------------

    def start_flow(self, turn: Turn, flow_id: str) -> None:
        turn.user.awaiting = None
        county = local.county_of(self, turn.user)
        step = self.flows.start(flow_id, turn.lang, county=county.name if county else turn.user.place)
        turn.user.flow = step.state
        self._say_step(turn, step)

    def _flow_step(self, turn: Turn, *, text: str | None = None, action: str | None = None) -> None:
        step = self.flows.step(turn.user.flow, text=text, action=action, lang=turn.lang)
        turn.user.flow = step.state
        turn.logged = {"decision": f"flow:{step.outcome}" if step.outcome else "flow"}
        self._say_step(turn, step)

    def resume_flow(self, turn: Turn, before: str | None = None) -> None:
        """The current question again (after a stale button), with its 退出 button."""
        step = self.flows.resume(turn.user.flow, turn.lang)
        turn.user.flow = step.state
        if before:
            turn.say(Reply(before))
        self._say_step(turn, step)

    @staticmethod
    def _say_step(turn: Turn, step) -> None:
        """A flow's reply; while the flow goes on, with its 退出 button."""
        turn.say(_with_exit(step.reply, turn.lang) if step.state else step.reply)

    def leave_flow(self, turn: Turn) -> None:
        turn.user.flow, turn.user.awaiting = None, None
        turn.say(Reply(text("cancelled", turn.lang)))

    def _on_flow_text(self, turn: Turn, message: str) -> None:
        """A typed message while a flow waits: 退出 leaves, 找人工 opens a case, an answer to the question moves on,
        and a clear other legal question leaves the flow and is answered; anything else asks again."""
        state = turn.user.flow
        if deadlines.is_leaving(message):
            self.leave_flow(turn)
            return
        decision = self.matcher.match(message)
        other = self.faq[decision.intent] if decision.kind == "answer" and decision.intent in self.faq else None
        if other is not None and other.handoff == "start":
            self._leave_flow_for(turn, message, decision)
            return
        if self.flows.understands(state, message, plainly=other is not None and other.kind == "legal"):
            self._flow_step(turn, text=message)
            return
        if self._numbered_choice(turn.user, message) == FLOW_EXIT:  # the 退出 button's number, on WeChat
            self.leave_flow(turn)
            return
        if other is not None and other.kind == "legal":
            self._leave_flow_for(turn, message, decision)
            return
        self._flow_step(turn, text=message)

    def _leave_flow_for(self, turn: Turn, message: str, decision: Decision) -> None:
        """Another question (or 找人工) typed during a flow: answer it, and say the flow was left."""
        turn.user.flow = None
        self._match(turn, message, decision)
        turn.say(Reply(text("flow_left", turn.lang)))

    def on_action(self, turn: Turn, action: str) -> None:
        self.buttons.press(turn, action)

    def _on_other_content(self, turn: Turn) -> None:
        key = "voice" if turn.incoming.content == "voice" else "non_text"
        turn.say(Reply(text(key, turn.lang), (replies.human_row(turn.lang),)))
        if turn.user.flow:
            turn.say(Reply(text("flow_resume", turn.lang), (exit_row(turn.lang),)))


#: The 退出 button under every flow question; "exit" is the one under other prompts (the deadline date).
FLOW_EXIT = "flow:exit"


def exit_row(lang: str, action: str = FLOW_EXIT) -> tuple[Button, ...]:
    return (Button(label("exit", lang), action),)


def _with_exit(reply: Reply, lang: str) -> Reply:
    return dataclasses.replace(reply, buttons=reply.buttons + (exit_row(lang),))
