"""The error tree: one base, drawn in bot/errors.py's docstring, and the classes that carry what went wrong."""

import inspect
import re

import pytest

from bot import errors
from bot.channels.telegram.advisers.budget import BudgetSpent, Settling
from bot.errors import CaseNotFound, CaseTaken, DeliveryDeferred, MingbaiError, NotYours
from bot.handoff.desk import HandoffDesk
from bot.storage.store import Store


def test_the_docstring_draws_every_error_class_under_its_parent():
    drawn = {}  # name -> the name drawn one level up
    stack: list[tuple[int, str]] = []
    for line in errors.__doc__.splitlines():
        match = re.match(r"^(\s*)(?:[│ ]*[├└]── )?([A-Z]\w+)\s", line + " ")
        if not match or not re.search(r"[├└]──|^    MingbaiError", line):
            continue
        depth = line.index(match.group(2))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        drawn[match.group(2)] = stack[-1][1] if stack else None
        stack.append((depth, match.group(2)))
    classes = {name: cls for name, cls in vars(errors).items() if inspect.isclass(cls) and issubclass(cls, Exception)}
    assert set(drawn) == set(classes)
    for name, parent in drawn.items():
        if parent:
            assert classes[parent] in classes[name].__mro__[1:], name


def test_the_telegram_desks_waits_are_deferrals_the_relay_catches_by_class():
    assert isinstance(BudgetSpent(-100, 2.5), DeliveryDeferred) and BudgetSpent(-100, 2.5).retry_after == 2.5
    assert isinstance(Settling(0.3), MingbaiError)


def test_case_errors_carry_the_case_and_its_holder(tmp_path):
    desk = HandoffDesk(Store(tmp_path / "mingbai.sqlite").cases)
    case, _ = desk.open_case("test:1", None, False)
    desk.claim(case.id, "web:alice")
    with pytest.raises(CaseTaken) as taken:
        desk.claim(case.id, "web:bob")
    assert (taken.value.case_id, taken.value.holder, taken.value.holder_name) == (case.id, "web:alice", "web:alice")
    with pytest.raises(NotYours) as not_yours:
        desk.close(case.id, "web:bob", None)
    assert (not_yours.value.holder, not_yours.value.action) == ("web:alice", "close")
    with pytest.raises(CaseNotFound) as missing:
        desk.case(999)
    assert missing.value.case_id == 999 and "999" in str(missing.value)
