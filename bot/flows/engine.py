"""Walking a villager through a guided flow, one message at a time.

The engine keeps nothing between messages: everything it needs is in a small
JSON-ready `state` dict the core stores in SQLite, so a flow survives a restart
and runs the same on Telegram, the web and WeChat.

    state = {"id": "legal_aid_eligibility", "step": "matter",
             "answers": {"matter": "civil", "household_size": 3}, "county": "犍为县"}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core import texts
from bot.flows import render
from bot.flows.answers import FILE_NAME as ANSWERS_FILE, NO_ANSWER_WORDS, AnswerWords, load_answer_words
from bot.flows.loader import read_flow
from bot.flows.model import Flow, Option, Standard, Standards, Step
from bot.flows.standards import FILE_NAME, load_standards
from bot.flows.understand import canonical, monthly_amount, people_count, pick_option
from bot.messages import Reply
from intents.faq_loader import Problem

MAX_PEOPLE = 50
PLAIN_ANSWER = 6  # characters: 「不是的，没有」 is an answer, 「借钱不还咋个办」 a new question
MAX_MONTHLY_YUAN = 10_000_000


@dataclass(frozen=True)
class FlowStep:
    """What the core does next: send `reply`, store `state` (None: the flow is over)."""

    reply: Reply
    state: dict | None
    outcome: str | None = None  # on finishing: "likely_eligible" | "likely_not" | "depends"


class Flows:
    """Every flow in faq/flows/, plus the county income standards they compare against."""

    def __init__(self, flows: dict[str, Flow], standards: Standards, answers: AnswerWords = NO_ANSWER_WORDS):
        self._flows = flows
        self.standards = standards
        self.answers = answers  # typed yes / no / unsure / zero / confirm words (faq/flows/answers.yaml)

    @classmethod
    def load(cls, directory: Path | str) -> tuple["Flows", list[Problem]]:
        """Read faq/flows/*.yaml; a broken file is left out and every problem is returned."""
        directory = Path(directory)
        problems: list[Problem] = []
        if not directory.is_dir():
            problems.append(Problem(str(directory), 0, "no such flows folder (expected faq/flows/)"))
            return cls({}, Standards({})), problems
        standards = load_standards(directory, problems)
        answers = load_answer_words(directory, problems)
        flows: dict[str, Flow] = {}
        for path in sorted(directory.glob("*.yaml")):
            if path.name in (FILE_NAME, ANSWERS_FILE):
                continue
            flow = read_flow(path, problems)
            if flow and flow.id in flows:
                problems.append(Problem(str(path), 1, f"id: {flow.id!r} is also used by {flows[flow.id].file}"))
            elif flow:
                flows[flow.id] = flow
        return cls(flows, standards, answers), problems

    def ids(self) -> list[str]:
        return list(self._flows)

    def flow(self, flow_id: str) -> Flow:
        return self._flows[flow_id]

    def title(self, flow_id: str, lang: str) -> str:
        return self._flows[flow_id].title(lang)

    def start(self, flow_id: str, lang: str, county: str | None = None) -> FlowStep:
        """The intro and first question; `county` picks the income standard for the whole flow."""
        flow = self._flows[flow_id]
        state = {"id": flow.id, "step": flow.start, "answers": {}, "county": county}
        return self._advance(flow, state, flow.start, lang, before=flow.intro(lang) + "\n\n")

    def step(self, state: dict, *, text: str | None = None, action: str | None = None, lang: str = "zh") -> FlowStep:
        """Take one answer (a button's action or typed text) and move on, or re-ask if it is unclear."""
        flow, current = self._locate(state)
        if flow is None:
            return FlowStep(Reply(texts.text("flow_gone", lang), render.handoff_button(lang)), None)
        if current is None:
            return self._advance(flow, _fresh(flow, state), flow.start, lang, before=texts.text("flow_restarted", lang))
        answer = _understand(current, text, action, self.answers)
        if answer is None:
            return FlowStep(render.question(current, lang, before=texts.text("flow_unclear", lang) + "\n"), state)
        option, value = answer
        answers = {**state.get("answers", {}), current.id: value if value is not None else option.id}
        target = option.next if option is not None and option.next else current.next
        return self._advance(flow, {**state, "answers": answers}, target, lang)

    def resume(self, state: dict, lang: str) -> FlowStep:
        """The current question again, e.g. after a restart or when the villager asks where they were."""
        flow, current = self._locate(state)
        if flow is None:
            return FlowStep(Reply(texts.text("flow_gone", lang), render.handoff_button(lang)), None)
        if current is None:
            return self._advance(flow, _fresh(flow, state), flow.start, lang, before=texts.text("flow_restarted", lang))
        return FlowStep(render.question(current, lang), state)

    def understands(self, state: dict, text: str, *, plainly: bool = False) -> bool:
        """True when `text` answers the current question (one of its options, a number it asks for).

        `plainly`: a yes/no question counts only a short answer, since a long question such as 借钱不还咋个办
        holds a 不 without meaning "no"."""
        flow, current = self._locate(state)
        if current is None or _understand(current, text, None, self.answers) is None:
            return False
        yes_no = {option.id for option in current.options} == {"yes", "no"}
        return not (plainly and yes_no and len(canonical(text)) > PLAIN_ANSWER)

    def current_step(self, state: dict) -> str | None:
        """The id of the question the villager is on, or None when the state no longer fits the flow."""
        _, current = self._locate(state)
        return current.id if current is not None else None

    def _locate(self, state: dict) -> tuple[Flow | None, Step | None]:
        flow = self._flows.get(state.get("id")) if isinstance(state, dict) else None
        if flow is None or not isinstance(state.get("answers", {}), dict):
            return flow, None
        current = flow.steps.get(state.get("step"))
        return flow, current if current is not None and current.check is None else None

    def _advance(self, flow: Flow, state: dict, target: str, lang: str, *, before: str = "") -> FlowStep:
        """Run automatic checks until the next question (ask it) or a result (finish)."""
        for _ in range(len(flow.steps) + 1):
            if target in flow.results:
                outcome = flow.results[target]
                reply = render.result(flow, outcome, state["answers"], self._facts(flow, state, lang), lang)
                return FlowStep(reply, None, outcome.verdict)
            step = flow.steps[target]
            if step.check is None:
                return FlowStep(render.question(step, lang, before=before), {**state, "step": step.id})
            target = step.exits[self._check(step, state)]
        raise RuntimeError(f"{flow.file}: checks loop without asking anything")  # the loader refuses such files

    def _check(self, step: Step, state: dict) -> str:
        figure = self._standard(state).monthly_income_per_person
        if step.check == "county_has_income_standard":
            return "no" if figure is None else "yes"
        income = state["answers"].get(step.inputs.get("income"))
        people = state["answers"].get(step.inputs.get("people"))
        if figure is None or not isinstance(income, (int, float)) or not isinstance(people, (int, float)) or people < 1:
            return "unknown"
        return "yes" if income / people <= figure else "no"

    def _standard(self, state: dict) -> Standard:
        return self.standards.for_county(state.get("county"))

    def _facts(self, flow: Flow, state: dict, lang: str) -> dict[str, str]:
        """The values a result may show: the county's figure with its source, and the villager's numbers."""
        standard, answers = self._standard(state), state["answers"]
        facts = {"county": standard.name(lang)}
        if standard.monthly_income_per_person is not None:
            facts["standard"] = _yuan(standard.monthly_income_per_person)
        if standard.source is not None:
            facts["standard_source"] = standard.source(lang)
        for step in flow.steps.values():
            income, people = answers.get(step.inputs.get("income")), answers.get(step.inputs.get("people"))
            if isinstance(income, (int, float)) and isinstance(people, (int, float)) and people >= 1:
                facts.update(income=_yuan(income), people=str(int(people)), per_person=_yuan(income / people))
        return facts


def _yuan(amount: float) -> str:
    return str(int(round(amount)))


def _fresh(flow: Flow, state: dict) -> dict:
    county = state.get("county") if isinstance(state, dict) else None
    return {"id": flow.id, "step": flow.start, "answers": {}, "county": county}


def _understand(step: Step, text: str | None, action: str | None,
                words: AnswerWords) -> tuple[Option | None, float | None] | None:
    """(option, number) for the answer, or None when it is unclear or a button from an older question."""
    if action is not None:
        prefix = render.action(step, "")
        option = step.option(action[len(prefix):]) if action.startswith(prefix) else None
        return (option, option.value) if option else None
    if not text or not text.strip() or text.strip().startswith("/"):
        return None
    option = pick_option(step, text, words)
    if option is not None:
        return option, option.value
    if step.number == "people" and (count := people_count(text)) is not None and 1 <= count <= MAX_PEOPLE:
        return None, count
    if step.number == "money" and (amount := monthly_amount(text, words)) is not None and amount <= MAX_MONTHLY_YUAN:
        return None, amount
    return None
