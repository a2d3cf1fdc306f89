"""Reading faq/flows/answers.yaml: the words villagers answer a question with instead of pressing a button.

They are admin data, not code: a clerk who sees 「要得嘛」 misread adds it to `yes:`. A missing or broken
file is reported with its line; the bot then understands only buttons and numbers (never a guess).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.flows.reading import Reader
from intents.faq_loader import Problem
from intents.yaml_lines import LineList

FILE_NAME = "answers.yaml"


@dataclass(frozen=True)
class AnswerWords:
    """Each kind of typed answer, as the file lists it."""

    yes: tuple[str, ...] = ()
    no: tuple[str, ...] = ()
    unsure: tuple[str, ...] = ()
    zero: tuple[str, ...] = ()  # "no income" on an amount question
    confirm: tuple[str, ...] = ()  # yes to 确定删除吗


KINDS = ("yes", "no", "unsure", "zero", "confirm")  # written `yes_words:` ... (a bare `yes:` is a YAML boolean)


#: No answers.yaml, or one that cannot be read: buttons only, no typed answers understood.
NO_ANSWER_WORDS = AnswerWords()


def load_answer_words(directory: Path, problems: list[Problem]) -> AnswerWords:
    path = directory / FILE_NAME
    if not path.exists():
        problems.append(Problem(str(path), 0, f"missing {FILE_NAME}: typed answers such as 是的 / 没得 will not be understood, only buttons", "warning"))
        return NO_ANSWER_WORDS
    reader = Reader(path, problems)
    raw = reader.load(path)
    if raw is None:
        return NO_ANSWER_WORDS
    reader.unknown_fields(raw, {f"{kind}_words" for kind in KINDS}, FILE_NAME)
    words = {}
    for kind in KINDS:
        key = f"{kind}_words"
        value = raw.get(key)
        if not isinstance(value, LineList) or not value:
            reader.error(raw.line_of(key) if key in raw else raw.line, f"{key}: needs a list of words, e.g. `{key}: [是的, 对]`")
            continue
        bad = [index for index, word in enumerate(value) if not isinstance(word, str) or not word.strip()]
        for index in bad:
            reader.error(value.line_of(index), f"{key}: item {index + 1} must be a word (put yes, no, on, off in quotes)")
        words[kind] = tuple(word.strip() for word in value if isinstance(word, str) and word.strip())
    return AnswerWords(**words)
