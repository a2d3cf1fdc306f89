"""A guided flow as the engine sees it: immutable records read from faq/flows/*.yaml.

Admins edit YAML; `bot.flows.loader` checks it and builds these records, so the
engine never has to guard against a half-written file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intents.faq import Text

#: What a result may conclude; the core records it as the flow's outcome.
VERDICTS = ("likely_eligible", "likely_not", "depends")
#: What a number question asks for.
NUMBER_KINDS = ("people", "money")
#: Automatic branches, with the exits each must name.
CHECKS = {
    "county_has_income_standard": ("yes", "no"),
    "income_below_standard": ("yes", "no", "unknown"),
}
#: Names a result's text may use in {braces}, filled in from the answers and the county's standard.
PLACEHOLDERS = ("county", "standard", "standard_source", "per_person", "income", "people")


@dataclass(frozen=True)
class Option:
    """One answer button. It either leads somewhere (`next`) or stands for a number (`value`)."""

    id: str
    label: Text
    words: tuple[str, ...] = ()  # typed words that mean this option, in either language
    next: str | None = None
    value: float | None = None
    line: int = 0


@dataclass(frozen=True)
class Step:
    """A question (options and/or a typed number) or an automatic check (`check`)."""

    id: str
    ask: Text | None = None
    options: tuple[Option, ...] = ()
    number: str | None = None  # one of NUMBER_KINDS, or None for a pure choice
    next: str | None = None  # where a typed number leads
    check: str | None = None  # one of CHECKS
    exits: dict[str, str] = field(default_factory=dict)  # check outcome -> step or result id
    inputs: dict[str, str] = field(default_factory=dict)  # check input name -> step id
    line: int = 0

    @property
    def is_choice(self) -> bool:
        """A plain choice: typing an option's number ('1', '2') picks it."""
        return self.check is None and self.number is None

    def option(self, option_id: str) -> Option | None:
        return next((option for option in self.options if option.id == option_id), None)

    def targets(self) -> list[str]:
        """Every step or result this step can lead to."""
        found = [option.next for option in self.options if option.next]
        found += [self.next] if self.next else []
        return found + list(self.exits.values())


@dataclass(frozen=True)
class Note:
    """An extra paragraph under a result, shown when an earlier answer was one of `answers`."""

    step: str
    answers: tuple[str, ...]
    text: Text
    sources: tuple[Text, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Result:
    """Where a flow ends: a verdict, why, what to bring, and the law it rests on."""

    id: str
    verdict: str
    headline: Text
    why: Text
    bring: Text
    sources: tuple[Text, ...]
    show_notes: bool = False
    line: int = 0


@dataclass(frozen=True)
class Flow:
    """One guided conversation, e.g. the legal aid eligibility check."""

    id: str
    title: Text
    intro: Text
    start: str
    steps: dict[str, Step]
    results: dict[str, Result]
    footer: Text
    footer_sources: tuple[Text, ...] = ()
    notes: tuple[Note, ...] = ()
    file: str = ""


@dataclass(frozen=True)
class Standard:
    """A county's economic hardship figure for legal aid, and where the figure comes from."""

    key: str
    name: Text
    monthly_income_per_person: float | None = None
    source: Text | None = None
    note: Text | None = None
    also: tuple[str, ...] = ()


#: The province's standard while no county file gives a figure (faq/flows/income_standards.yaml says why).
NO_FIGURE = Standard("default", Text("四川省", "Sichuan"))


@dataclass(frozen=True)
class Standards:
    """Every county's standard; `default` answers for any county not listed."""

    by_key: dict[str, Standard]

    def for_county(self, county: str | None) -> Standard:
        """The standard for a villager's place: a listed county it names, else `default`."""
        if county:
            for standard in self.by_key.values():
                if standard.key != "default" and any(
                    name and name.casefold() in county.casefold() for name in (standard.key, *standard.also)
                ):
                    return standard
        return self.by_key.get("default") or NO_FIGURE
