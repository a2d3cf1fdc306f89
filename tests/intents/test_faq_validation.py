"""An admin's broken FAQ edit is caught with `file:line: what is wrong`, and the FAQ is refused."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from intents.faq_loader import REQUIRED_INTENTS, FaqError, load_faq, read_faq
from tests.support.faq_files import ROOT, copy_shipped_faq, valid_intent, write_group


@pytest.fixture
def faq_dir(tmp_path):
    return copy_shipped_faq(tmp_path / "faq")


def errors_in(path, directory):
    _, problems = load_faq(directory)
    return [p for p in problems if p.file == str(path) and p.severity == "error"]


def test_shipped_faq_has_no_problems_even_strictly():
    _, problems = load_faq(ROOT / "faq")
    assert [str(p) for p in problems] == []


def test_a_valid_new_group_file_is_accepted(faq_dir):
    write_group(faq_dir, "extra", [valid_intent("extra.one")])
    faq = read_faq(faq_dir, strict=True)
    assert "extra.one" in faq


def test_bad_yaml_names_the_line(faq_dir):
    path = faq_dir / "broken.yaml"
    path.write_text("group: broken\nintents:\n  - id: broken.one\n    title: [unclosed\n", encoding="utf-8")
    [error] = errors_in(path, faq_dir)
    assert error.line in (4, 5) and "not valid YAML" in error.message


@pytest.mark.parametrize(
    "field, expected",
    [
        ("answer", "missing field `answer`"),
        ("examples", "missing field `examples`"),
        ("title", "missing field `title`"),
        ("reviewed_by", "missing field `reviewed_by`"),
        ("review_due", "review_due: needs a date"),
    ],
)
def test_missing_field_is_named(faq_dir, field, expected):
    intent = valid_intent("extra.one")
    del intent[field]
    path = write_group(faq_dir, "extra", [valid_intent("extra.zero"), intent])
    [error] = errors_in(path, faq_dir)
    assert expected in error.message and "extra.one" in error.message
    assert error.line > 20, "the line points at the second intent, not the top of the file"


def test_empty_answer_text_is_refused(faq_dir):
    path = write_group(faq_dir, "extra", [valid_intent("extra.one", answer={"zh": "  ", "en": "ok"})])
    [error] = errors_in(path, faq_dir)
    assert "extra.one.answer.zh: empty" in error.message


def test_duplicate_id_across_files(faq_dir):
    path = write_group(faq_dir, "mediation", [valid_intent("mediation.about")], name="zz_copy.yaml")
    messages = [e.message for e in errors_in(path, faq_dir)]
    assert any("duplicate id" in m and "mediation.yaml" in m for m in messages)


def test_duplicate_example_across_intents(faq_dir, shipped_faq):
    stolen = shipped_faq["fraud.scammed"].examples["zh"][0]
    intent = valid_intent("extra.one")
    intent["examples"]["zh"][0] = stolen + "！！"  # punctuation does not make it different
    path = write_group(faq_dir, "extra", [intent])
    _, problems = load_faq(faq_dir)
    [error] = [p for p in problems if p.severity == "error"]
    assert "extra.one" in str(error) and "fraud.scammed" in str(error) and str(path) in str(error)


def test_follow_up_that_names_no_intent(faq_dir):
    path = write_group(faq_dir, "extra", [valid_intent("extra.one", follow_ups=["legal_aid.nonsense"])])
    [error] = errors_in(path, faq_dir)
    assert "'legal_aid.nonsense' names no intent" in error.message


def test_answer_over_telegram_limit(faq_dir):
    path = write_group(faq_dir, "extra", [valid_intent("extra.one", answer={"zh": "很长" * 2100, "en": "ok"})])
    [error] = errors_in(path, faq_dir)
    assert "Telegram's limit is 4096" in error.message


def test_unknown_field_is_a_typo(faq_dir):
    intent = valid_intent("extra.one")
    intent["exampels"] = intent["examples"]
    path = write_group(faq_dir, "extra", [intent])
    [error] = errors_in(path, faq_dir)
    assert "unknown field `exampels`" in error.message


def test_an_opener_that_is_not_text_names_its_line(faq_dir):
    path = faq_dir / "lexicon" / "dialect.yaml"
    text = path.read_text(encoding="utf-8").replace("  - 请问一下\n", "  - {请问: 一下}\n")
    path.write_text(text, encoding="utf-8")
    [error] = errors_in(path, faq_dir)
    assert error.line == text.splitlines().index("  - {请问: 一下}") + 1 and "openers" in error.message


def test_urgent_answer_must_open_with_the_emergency_step(faq_dir):
    intent = valid_intent("extra.one", urgent=True, handoff="priority")
    path = write_group(faq_dir, "extra", [intent])
    errors = errors_in(path, faq_dir)
    assert {e.message.split(":")[0] for e in errors} == {f"extra.one.{field}.{lang}" for field in ("answer", "short") for lang in ("zh", "en")}
    assert all("emergency step" in e.message for e in errors)


@pytest.mark.parametrize("fields, fix", [({"handoff": "priority"}, "handoff: offer"),
                                         ({"urgent": True, "handoff": "offer"}, "handoff: priority")])
def test_priority_handoff_goes_with_urgent_and_only_with_it(faq_dir, fields, fix):
    path = write_group(faq_dir, "extra", [valid_intent("extra.one", **fields)])
    messages = [e.message for e in errors_in(path, faq_dir) if e.message.startswith("extra.one.handoff")]
    assert len(messages) == 1 and fix in messages[0]


def test_legal_answer_needs_sources(faq_dir):
    path = write_group(faq_dir, "extra", [valid_intent("extra.one", sources=[])])
    [error] = errors_in(path, faq_dir)
    assert "needs `sources`" in error.message


def test_missing_required_intent(faq_dir):
    (faq_dir / "chat.yaml").unlink()
    _, problems = load_faq(faq_dir)
    assert any("required intent chat.greeting" in p.message for p in problems)
    assert "chat.greeting" in REQUIRED_INTENTS


def test_overdue_review_is_a_warning_and_fatal_when_strict(faq_dir):
    write_group(faq_dir, "extra", [valid_intent("extra.one", review_due="2020-01-01")])
    faq = read_faq(faq_dir)
    assert "extra.one" in faq
    with pytest.raises(FaqError) as refused:
        read_faq(faq_dir, strict=True)
    assert "2020-01-01 has passed" in str(refused.value)


def test_today_decides_what_is_overdue(shipped_faq, tmp_path):
    faq_dir = copy_shipped_faq(tmp_path / "faq")
    latest = max(i.review_due for i in shipped_faq)
    _, problems = load_faq(faq_dir, today=latest + dt.timedelta(days=1))
    assert any("has passed" in p.message for p in problems)


def test_cli_check_lists_problems_as_file_line_and_fails(faq_dir):
    path = write_group(faq_dir, "extra", [valid_intent("extra.one", follow_ups=["no.such"])])
    result = subprocess.run([sys.executable, "-m", "bot.cli", "faq", "check", str(faq_dir)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{path}:" in result.stderr and "names no intent" in result.stderr
    assert "FAILED" in result.stdout


def test_cli_check_passes_the_shipped_faq_strictly():
    result = subprocess.run([sys.executable, "-m", "bot.cli", "faq", "check", "--strict", "faq"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert ": ok" in result.stdout


def test_an_office_that_is_not_a_kind_of_office_is_refused_with_its_line(faq_dir):
    from bot.content.folder import check_folder

    path = write_group(faq_dir, "extra", [valid_intent("extra.one", office="legal_aid_center")])
    _, problems = check_folder(faq_dir)
    [problem] = [p for p in problems if "extra.one.office" in p.message]
    assert problem.file == str(path) and problem.line > 0 and "legal_aid_centre" in problem.message
