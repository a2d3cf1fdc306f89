"""County cells in the core: the county files checked with file:line, a villager's county from /where or from
one question before a handoff, each county's offices, figure and local additions in its villagers' answers,
cases carrying the county, and statistics per county. Real SQLite files, the real ChatService."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys

import pytest

from bot.content.folder import check_folder, load_content
from bot.core.service import ChatService
from bot.handoff.desk import HandoffDesk
from bot.settings import Settings
from bot.storage.stats import service_statistics
from bot.storage.store import Store
from tests.support import ROOT, settings_for
from tests.support.core import Villager, actions
from tests.support.counties import QIANWEI, faq_with_counties
from tests.support.faq_files import copy_shipped_faq


def _settings(faq_dir, data_dir) -> Settings:
    base = settings_for({}, config_file=data_dir / "none.toml")
    return dataclasses.replace(base, faq_dir=faq_dir, data_dir=data_dir)


@pytest.fixture
async def service(tmp_path):
    opened = ChatService.open(_settings(faq_with_counties(tmp_path / "faq"), tmp_path / "data"))
    yield opened
    await opened.close()


def _county_problems(faq_dir):
    return [str(problem) for problem in check_folder(faq_dir)[1] if "/counties/" in problem.file]


# --- the files ---------------------------------------------------------------------------------


def test_the_shipped_faq_has_no_counties_and_the_docs_example_validates(tmp_path):
    assert not (ROOT / "faq" / "counties").exists()  # the zero-config default: one service area, as before
    faq_dir = copy_shipped_faq(tmp_path / "faq")
    (faq_dir / "counties").mkdir()
    (faq_dir / "counties" / "qianwei.yaml").write_text((ROOT / "docs" / "county.example.yaml").read_text("utf-8"),
                                                       encoding="utf-8")
    assert _county_problems(faq_dir) == []
    content, _ = load_content(faq_dir)
    assert content.counties.find("我是犍为的").name == "犍为县"


BROKEN = QIANWEI.replace('telegram_chat: "-1001111"', "telegram_chat: our group") \
    .replace('phone: "0000-1111111"', "phone: ask at the door") \
    .replace("  source:\n    zh: 测试用数字，不是真实标准\n    en: a figure for the tests, not a real standard\n", "") \
    .replace("  legal_aid.apply:", "  legal_aid.nothing:") + "colour: red\n"


def test_every_mistake_in_a_county_file_is_reported_with_its_line_and_the_reload_refuses_it(tmp_path):
    faq_dir = faq_with_counties(tmp_path / "faq")
    (faq_dir / "counties" / "qianwei.yaml").write_text(BROKEN, encoding="utf-8")
    (faq_dir / "counties" / "Bad Name.yaml").write_text("name: 沐川县\n", encoding="utf-8")
    problems = "\n".join(_county_problems(faq_dir))
    lines = BROKEN.splitlines()

    def line_of(fragment: str) -> int:
        return next(number for number, line in enumerate(lines, 1) if fragment in line)

    assert f"qianwei.yaml:{line_of('telegram_chat')}: qianwei.advisers.telegram_chat: 'our group' is not a Telegram chat id" in problems
    assert f"qianwei.yaml:{line_of('phone:')}: office 犍为县法律援助中心（测试）: phone 'ask at the door'" in problems
    assert f"qianwei.yaml:{line_of('income_standard')}: qianwei.income_standard: a figure needs its `source:`" in problems
    assert f"qianwei.yaml:{line_of('legal_aid.nothing')}: qianwei.additions: 'legal_aid.nothing' is not an intent" in problems
    assert f"qianwei.yaml:{line_of('colour')}: qianwei: unknown field `colour`" in problems
    assert "Bad Name.yaml:1: file name 'Bad Name.yaml'" in problems
    content, errors = load_content(faq_dir)
    assert content is None and errors  # so a reload keeps the counties that were serving


def test_two_counties_may_not_share_a_word_or_a_group_and_a_figure_is_given_once(tmp_path):
    faq_dir = faq_with_counties(tmp_path / "faq")
    (faq_dir / "counties" / "jingyan.yaml").write_text(
        'name: 井研县\nwords: [犍为]\nadvisers:\n  telegram_chat: "-1001111"\n', encoding="utf-8")
    standards = faq_dir / "flows" / "income_standards.yaml"
    standards.write_text(standards.read_text("utf-8") + (
        "  qianwei:\n    name: {zh: 犍为县, en: Qianwei}\n    also: [犍为]\n    monthly_income_per_person: 900\n"
        "    source: {zh: 测试, en: test}\n"), encoding="utf-8")
    problems = "\n".join(_county_problems(faq_dir))
    assert "the word '犍为' also names county" in problems
    assert "Telegram group -1001111 is also county" in problems
    assert "犍为县 also has a figure in flows/income_standards.yaml" in problems


def test_faq_check_on_the_command_line_names_the_county_file_and_line(tmp_path):
    faq_dir = faq_with_counties(tmp_path / "faq")
    (faq_dir / "counties" / "jingyan.yaml").write_text("name: 井研县\nhours: every day\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "bot.cli", "faq", "check", str(faq_dir)], capture_output=True,
                         text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert run.returncode == 1
    assert f"{faq_dir}/counties/jingyan.yaml:2: jingyan.hours: 'every day' should read like" in run.stderr


# --- the villager's county ---------------------------------------------------------------------


async def test_where_names_the_county_and_its_answers_carry_its_office_and_local_addition(service):
    villager = Villager(service)
    replies = await villager.says("/where 我在犍为")
    assert "犍为县法律援助中心（测试）：测试路1号" in replies[0].text
    assert service.store.user(villager.key).county == "qianwei"
    [answer] = await villager.presses("intent:legal_aid.apply")
    assert "📌 犍为测试补充：带上身份证。" in answer.text and "📍 犍为县法律援助中心（测试）" in answer.text
    [details] = await villager.presses("more:legal_aid.apply")
    assert "犍为测试补充" in details.text
    other = Villager(service, "43")
    await other.says("/where 井研县")
    [plain] = await other.presses("intent:legal_aid.apply")
    assert "📌" not in plain.text and "犍为" not in plain.text


async def test_the_eligibility_check_compares_with_the_county_files_figure(service):
    villager = Villager(service, "township")
    await villager.says("/where 犍为")
    await villager.presses("flowstart:legal_aid_eligibility")
    county = service.store.user(villager.key).flow["county"]
    standard = service.conversation.flows.standards.for_county(county)
    assert county == "犍为县" and standard.monthly_income_per_person == 1000.0
    assert standard.source.zh == "测试用数字，不是真实标准"


async def test_a_handoff_asks_the_county_once_and_the_case_goes_to_it(service):
    villager = Villager(service)
    [question] = await villager.says("/human")
    assert "哪个县" in question.text
    assert "county:qianwei" in actions([question]) and "county:none" in actions([question])
    assert service.conversation.desk.open_case_for(villager.key) is None  # nothing opened before the answer
    replies = await villager.presses("county:jingyan")
    case = service.conversation.desk.open_case_for(villager.key)
    assert case.county == "jingyan" and "人工" in replies[0].text
    assert service.store.user(villager.key).county == "jingyan"


async def test_a_typed_county_or_a_digit_answers_the_question_and_anything_else_still_reaches_a_person(service):
    typed, unsure = Villager(service, "51"), Villager(service, "52")
    await typed.says("/human")
    await typed.says("我在犍为县")
    assert service.conversation.desk.open_case_for(typed.key).county == "qianwei"
    await unsure.says("/human")
    await unsure.says("不晓得")
    case = service.conversation.desk.open_case_for(unsure.key)
    assert case is not None and case.county is None  # the default advisers, as without counties


async def test_an_urgent_handoff_is_never_held_up_by_the_question(service):
    villager = Villager(service)
    replies = await villager.presses("handoff:urgent")
    assert "哪个县" not in replies[0].text
    assert service.conversation.desk.open_case_for(villager.key).urgent


async def test_a_county_is_exported_and_forgotten_with_the_villager(service):
    villager = Villager(service)
    await villager.says("/where 犍为")
    assert service.store.export_villager(villager.key)["user"]["county"] == "qianwei"
    service.store.forget_villager(villager.key)
    assert service.store.user(villager.key).county is None


# --- the shipped FAQ without counties ---------------------------------------------------------


async def test_without_county_files_a_handoff_asks_nothing_and_answers_give_no_county_hint(tmp_path):
    service = ChatService.open(_settings(ROOT / "faq", tmp_path / "data"))
    try:
        villager = Villager(service)
        [answer] = await villager.presses("intent:legal_aid.apply")
        assert "哪个县" not in answer.text and "cmd:where" not in [b.action for b in answer.all_buttons()]
        replies = await villager.says("/human")
        assert "哪个县" not in replies[0].text
        assert service.conversation.desk.open_case_for(villager.key).county is None
    finally:
        await service.close()


async def test_with_counties_an_unknown_county_gets_a_hint_where_the_office_would_be_named(service):
    villager = Villager(service)
    [answer] = await villager.presses("intent:legal_aid.apply")
    assert "哪个县" in answer.text and "/where" not in answer.text
    assert "cmd:where" in [b.action for b in answer.all_buttons()]
    [asked] = await villager.presses("cmd:where")  # the button asks where, as /where does
    assert "县" in asked.text


# --- storage: the queue per county, statistics per county and together ------------------------


def _store_with_cases(path):
    store = Store(path)
    desk = HandoffDesk(store.cases)
    for number, county in enumerate(("qianwei", "qianwei", "jingyan", None)):
        key = f"web:v{number}"
        user = store.user(key)
        user.county = county
        store.save_user(user)
        store.log_message(key, "in", "问题", intent="labor.wage", score=0.9, decision="answer")
        desk.open_case(key, "labor.wage", urgent=False, county=county)
    return store, desk


def test_the_queue_filters_by_county_and_statistics_come_per_county_and_together(tmp_path):
    store, desk = _store_with_cases(tmp_path / "mingbai.sqlite")
    assert [case.county for case in desk.queue(("qianwei",))] == ["qianwei", "qianwei"]
    assert len(desk.queue()) == 4
    together = service_statistics(store.db)
    assert together["questions"] == 4 and sum(together["handoffs_per_day"].values()) == 4
    assert together["per_county"] == {"qianwei": {"questions": 2, "handoffs": 2},
                                      "jingyan": {"questions": 1, "handoffs": 1}, "": {"questions": 1, "handoffs": 1}}
    one = service_statistics(store.db, county="jingyan")
    assert one["questions"] == 1 and sum(one["handoffs_per_day"].values()) == 1 and one["county"] == "jingyan"
    store.close()


def test_statistics_without_counties_look_as_before(tmp_path):
    store = Store(tmp_path / "mingbai.sqlite")
    HandoffDesk(store.cases).open_case("web:x", None, urgent=False)
    figures = service_statistics(store.db)
    assert "per_county" not in figures and "county" not in figures
    store.close()


def test_mingbai_stats_county_on_the_command_line(tmp_path):
    store, _ = _store_with_cases(tmp_path / "data" / "mingbai.sqlite")
    store.close()
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "MINGBAI_DATA_DIR": str(tmp_path / "data")}
    run = subprocess.run([sys.executable, "-m", "bot.cli", "stats", "--county", "qianwei", "--json"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["questions"] == 2
    together = subprocess.run([sys.executable, "-m", "bot.cli", "stats"], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=60)
    assert "By county: (none) 1 questions / 1 handoffs, jingyan 1 questions / 1 handoffs" in together.stdout


async def test_county_files_swap_in_with_the_validated_reload_and_a_broken_one_keeps_the_old(service):
    counties_dir = service.settings_faq_dir / "counties"
    villager = Villager(service)
    await villager.says("/where 井研")
    (counties_dir / "jingyan.yaml").write_text(
        "name: 井研县\nwords: [井研]\nadditions:\n  legal_aid.apply:\n    zh: 井研新补充。\n    en: Jingyan addition.\n",
        encoding="utf-8")
    assert not [p for p in await service.reload_faq() if p.severity == "error"]
    [answer] = await villager.presses("intent:legal_aid.apply")
    assert "📌 井研新补充。" in answer.text
    (counties_dir / "jingyan.yaml").write_text("name: 井研县\nadditions: [oops]\n", encoding="utf-8")
    problems = await service.reload_faq()
    assert any("jingyan.yaml:2: jingyan.additions" in str(problem) for problem in problems)
    [still] = await villager.presses("intent:legal_aid.apply")
    assert "📌 井研新补充。" in still.text


async def test_a_place_given_before_the_counties_existed_still_finds_its_county(service):
    villager = Villager(service)
    user = service.store.user(villager.key)
    user.place = "犍为县"  # as /where left it in a one-county deployment: no county yet
    service.store.save_user(user)
    replies = await villager.says("/human")
    assert "哪个县" not in replies[0].text
    assert service.conversation.desk.open_case_for(villager.key).county == "qianwei"


@pytest.mark.parametrize("utc_hour, off_duty", [(10, False), (20, True)])  # London time in December: UTC
async def test_a_countys_own_hours_are_read_in_the_service_time_zone(tmp_path, utc_hour, off_duty):
    faq_dir = faq_with_counties(tmp_path / "faq")
    path = faq_dir / "counties" / "qianwei.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("hours: Mon-Sun 00:00-23:59", "hours: Mon-Sun 09:00-17:00"),
                    encoding="utf-8")
    moment = dt.datetime(2026, 12, 2, utc_hour, 0, tzinfo=dt.timezone.utc).timestamp()
    settings = dataclasses.replace(_settings(faq_dir, tmp_path / "data"), timezone="Europe/London")
    service = ChatService.open(settings, clock=lambda: moment)
    try:
        villager = Villager(service)
        await villager.says("/where 犍为")
        replies = await villager.says("/human")
        said = replies[0].text
        assert ("下班时间" in said) is off_duty
        assert not off_duty or "09:00-17:00" in said  # the county's hours, not MINGBAI_OFFICE_HOURS
    finally:
        await service.close()
