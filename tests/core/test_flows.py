"""The legal aid eligibility check, walked the way villagers walk it: by buttons and by typing."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from hypothesis import given, settings, strategies as st

from bot.flows import Flows
from bot.flows.diagram import mermaid
from tests.support import ROOT

FLOWS_DIR = ROOT / "faq" / "flows"
FLOW = "legal_aid_eligibility"
UNKNOWN_FIGURE = "以四川省规定为准，可拨打12348或到县法律援助中心咨询"
COUNTY_STANDARD = """
  犍为县:
    name: {zh: 犍为县, en: Qianwei County}
    also: [Qianwei]
    monthly_income_per_person: 1500
    source:
      zh: 测试用犍为县司法局通知
      en: test notice of the Qianwei justice bureau
"""


@pytest.fixture(scope="module")
def flows():
    loaded, problems = Flows.load(FLOWS_DIR)
    assert [str(p) for p in problems] == []
    return loaded


@pytest.fixture(scope="module")
def county_flows(tmp_path_factory):
    """A temp copy of faq/flows where an admin has set 犍为县's figure and its source."""
    directory = shutil.copytree(FLOWS_DIR, tmp_path_factory.mktemp("county") / "flows")
    path = directory / "income_standards.yaml"
    path.write_text(path.read_text(encoding="utf-8") + COUNTY_STANDARD, encoding="utf-8")
    loaded, problems = Flows.load(directory)
    assert [str(p) for p in problems] == []
    return loaded


def press(flows, current, label, lang="zh"):
    """Press the button whose label ends with `label` (labels of plain choices start with '1. ')."""
    [button] = [b for b in current.reply.all_buttons() if b.label == label or b.label.endswith(f". {label}")]
    return flows.step(current.state, action=button.action, lang=lang)


def walk(flows, answers, *, by="text", county=None, lang="zh"):
    current = flows.start(FLOW, lang, county=county)
    for answer in answers:
        assert current.state is not None, f"the flow ended before {answer!r}"
        current = press(flows, current, answer, lang) if by == "button" else flows.step(current.state, text=answer, lang=lang)
    return current


def assert_result(step, verdict, *phrases, lang="zh"):
    """A finished flow: the verdict, the phrases a villager must read, 12348, and a human adviser button."""
    assert step.state is None and step.outcome == verdict
    for phrase in (*phrases, "12348"):
        assert phrase in step.reply.text
    assert [b.action for b in step.reply.all_buttons()] == ["handoff"]
    assert len(step.reply.text) < 4096


# (buttons pressed, the same answers typed, verdict, what the result must say)
AID = "低保、特困等救助或优抚对象"
NO_INCOME = "没有固定生活来源的未成年人、老人、残疾人"
NONE = "都不是"
BRANCHES = [
    (["刑事案件", "被抓或被起诉的人", "是"], ["1", "家里人遭抓了，是被告", "对"], "likely_eligible", ["应当", "第25条", "3日内"]),
    (["刑事案件", "被抓或被起诉的人", "不是"], ["刑事", "1", "不是"], "depends",
     ["或者其他原因", "第24条", "第25条第2款", "可以", "值班律师", "拘留通知书"]),
    (["刑事案件", "受害人", "是"], ["1", "2", "是"], "likely_eligible", ["不受经济困难条件的限制", "第32条"]),
    (["刑事案件", "受害人", "不是", NONE], ["1", "受害人", "没有", "3"], "depends", [UNKNOWN_FIGURE, "第34条", "第29条"]),
    (["民事纠纷", "是"], ["2", "遭家暴了"], "likely_eligible", ["不受经济困难条件的限制", "第32条"]),
    (["民事纠纷", "是"], ["老公打我", "是"], "likely_eligible", ["不受经济困难条件的限制", "第32条"]),
    (["民事纠纷", "不是", AID], ["欠钱不还", "不是", "我是低保户"], "likely_eligible", ["免予核查", "第42条", "第31条"]),
    (["民事纠纷", "不是", NO_INCOME], ["2", "不是", "老汉七十多了没得收入"], "likely_eligible", ["免予核查", "第42条"]),
    (["民事纠纷", "不是", NONE], ["2", "no", "我不是低保户"], "depends", [UNKNOWN_FIGURE, "第34条", "第41条", "第31条"]),
    (["行政事务", "不是", NONE], ["3", "莫得", "不是"], "depends", [UNKNOWN_FIGURE, "国家赔偿", "第31条"]),
    (["劳动纠纷", "不是", "是"], ["讨工钱", "不是", "是"], "likely_eligible", ["免予核查", "第42条"]),
    (["劳动纠纷", "不是", "不是", NONE], ["讨工钱", "不是", "不是", "不是"], "depends", [UNKNOWN_FIGURE, "第31条"]),
]


@pytest.mark.parametrize("buttons, typed, verdict, phrases", BRANCHES)
@pytest.mark.parametrize("by", ["button", "text"])
def test_every_branch_ends_with_its_verdict_articles_and_next_step(flows, by, buttons, typed, verdict, phrases):
    result = walk(flows, buttons if by == "button" else typed, by=by)
    assert_result(result, verdict, *phrases, "法律援助中心", "身份证")


def test_a_result_never_claims_art_42_removes_the_hardship_condition(flows):
    exempt = walk(flows, ["民事纠纷", "不是", AID], by="button")
    assert "免予核查" in exempt.reply.text and "不受经济困难条件的限制" not in exempt.reply.text
    assert "给予援助仍由法律援助中心审查决定" in exempt.reply.text


@pytest.mark.parametrize("start", [["民事纠纷", "不是"], ["劳动纠纷", "不是", "不是"]])
@pytest.mark.parametrize("typed", ["我是残疾人，有工资", "我是残疾人", "我是农民工，借钱给别人不还", "我在外面打工", "是"])
def test_being_disabled_or_a_migrant_worker_alone_is_not_taken_as_exempt_from_the_check(flows, start, typed):
    """Art. 42 covers disabled people only without a fixed source of income, and migrant workers only for wages or
    work-injury damages: such a reply is asked again, never answered 'likely eligible'."""
    asked = walk(flows, start, by="button")
    again = flows.step(asked.state, text=typed)
    assert again.state == asked.state and again.outcome is None
    assert again.reply.text.startswith("没太明白")


def test_the_migrant_worker_question_is_asked_only_for_a_labour_matter(flows):
    for matter in ("民事纠纷", "行政事务"):
        asked = walk(flows, [matter, "不是"], by="button")
        assert "农民工" not in asked.reply.text and all("农民工" not in b.label for b in asked.reply.all_buttons())
    labour = walk(flows, ["劳动纠纷", "不是"], by="button")
    assert "农民工" in labour.reply.text and "讨工钱" in labour.reply.text
    working_away = flows.step(labour.state, text="我在外面打工")
    assert working_away.state == labour.state and working_away.reply.text.startswith("没太明白")


def test_an_accused_outside_the_art_25_list_is_not_told_only_hardship_counts(flows):
    result = walk(flows, ["刑事案件", "被抓或被起诉的人", "不是"], by="button")
    assert "经济困难" in result.reply.text and "或者其他原因" in result.reply.text
    assert "要「经济困难」才能申请" not in result.reply.text and "欠条" not in result.reply.text
    assert "据报道" in result.reply.text and "以法律援助中心答复为准" in result.reply.text


def test_every_art_25_group_is_asked_before_the_accused_is_sent_to_apply(flows):
    asked = walk(flows, ["刑事案件", "被抓或被起诉的人"], by="button")
    for group in ("未成年人", "盲、聋、哑", "不能完全辨认", "无期徒刑、死刑", "缺席审判", "死刑复核"):
        assert group in asked.reply.text


def test_without_a_county_figure_the_hedged_sichuan_groups_are_named(flows):
    result = walk(flows, ["民事纠纷", "不是", NONE], by="button")
    assert "据报道" in result.reply.text and "军人军属" in result.reply.text
    assert "以中心答复为准" in result.reply.text


def test_without_a_county_figure_income_is_not_asked(flows):
    result = walk(flows, ["2", "不是", "不是"], county="乐山市犍为县清溪镇")
    assert_result(result, "depends", UNKNOWN_FIGURE)
    assert "元" not in result.reply.text.split("申请时带上")[0]


def test_admin_figure_for_a_county_decides_the_result_and_shows_its_source(county_flows):
    asked = walk(county_flows, ["2", "不是", "不是"], county="乐山市犍为县清溪镇")
    assert "几口人" in asked.reply.text
    poor = walk(county_flows, ["2", "不是", "不是", "三口人", "每月两千"], county="乐山市犍为县清溪镇")
    assert_result(poor, "likely_eligible", "约667元", "每人每月1500元", "测试用犍为县司法局通知")
    richer = walk(county_flows, ["2", "不是", "不是", "3", "一年三十万"], county="犍为县")
    assert_result(richer, "likely_not", "约8333元", "1500元", "测试用犍为县司法局通知")
    unsure = walk(county_flows, ["2", "不是", "不是", "3", "说不清"], county="犍为县")
    assert_result(unsure, "depends", "1500元", "测试用犍为县司法局通知")
    elsewhere = walk(county_flows, ["2", "不是", "不是"], county="峨眉山市")
    assert_result(elsewhere, "depends", UNKNOWN_FIGURE)


def test_income_buttons_and_english_source(county_flows):
    asked = walk(county_flows, ["Civil dispute", "No", "None of these"], by="button", county="Qianwei", lang="en")
    result = county_flows.step(press(county_flows, asked, "2", "en").state, text="2000 a month", lang="en")
    assert_result(result, "likely_eligible", "about 1000 yuan per person", "test notice of the Qianwei justice bureau", lang="en")


@pytest.mark.parametrize("typed, per_person", [("每月两千", 2000), ("2000块", 2000), ("一年三万", 2500),
                                               ("两千五", 2500), ("1.5万一年", 1250), ("没有", 0)])
def test_income_typed_the_way_villagers_write_it(county_flows, typed, per_person):
    result = walk(county_flows, ["2", "不是", "不是", "1", typed], county="犍为县")
    assert f"约{per_person}元" in result.reply.text


@settings(max_examples=30, deadline=None)
@given(amount=st.integers(min_value=0, max_value=9_999_999))
def test_any_amount_in_digits_is_read_exactly(county_flows, amount):
    result = walk(county_flows, ["2", "不是", "不是", "1", f"{amount}块"], county="犍为县")
    assert result.outcome == ("likely_eligible" if amount <= 1500 else "likely_not")
    assert f"约{amount}元" in result.reply.text


@pytest.mark.parametrize("nonsense", ["今天天气好", "3.5", "", "/start", "🙂"])
def test_unclear_text_re_asks_the_same_question_without_losing_answers(flows, nonsense):
    asked = walk(flows, ["2", "不是"])
    again = flows.step(asked.state, text=nonsense)
    assert again.state == asked.state and again.outcome is None
    assert again.reply.text.startswith("没太明白，请点下面的按钮或直接回答：")
    assert asked.reply.text in again.reply.text and again.reply.buttons == asked.reply.buttons
    assert_result(flows.step(again.state, text="不是"), "depends", "第31条")


def test_a_button_from_an_earlier_question_is_not_taken_as_this_answer(flows):
    first = flows.start(FLOW, "zh")
    later = press(flows, first, "民事纠纷")
    stale = flows.step(later.state, action=first.reply.all_buttons()[0].action)
    assert stale.state == later.state and stale.reply.text.startswith("没太明白")


def test_a_flow_survives_a_restart_mid_way(flows):
    asked = walk(flows, ["民事纠纷", "不是"], by="button")
    stored = json.loads(json.dumps(asked.state, ensure_ascii=False))
    restarted, _ = Flows.load(FLOWS_DIR)
    assert restarted.resume(stored, "zh").reply.text == flows.resume(asked.state, "zh").reply.text
    assert_result(restarted.step(stored, text="不是"), "depends", UNKNOWN_FIGURE, "第31条")


def test_a_saved_step_the_admin_removed_starts_over_politely(flows):
    started = flows.start(FLOW, "zh")
    restarted = flows.step({**started.state, "step": "no_such_step"}, text="1")
    assert "从头开始" in restarted.reply.text and restarted.state["step"] == "matter"


def test_english_walk_reads_english_only(flows):
    assert flows.title(FLOW, "en") == "Legal aid eligibility check"
    result = walk(flows, ["2", "no", "nope"], lang="en")
    assert_result(result, "depends", "Legal Aid Law arts. 34, 41", "Sichuan's rules", "ID card", lang="en")
    assert result.reply.all_buttons()[0].label == "🙋 Talk to a person"  # the same label as every other button for a person
    assert not re.search(r"[\u4e00-\u9fff]", result.reply.text)


TINY = """\
id: tiny
title: {zh: 小测, en: Tiny}
intro: {zh: 开始, en: Start}
start: ask
steps:
  - id: ask
    ask: {zh: 是吗？, en: "Is it?"}
    options:
      - id: "yes"
        label: {zh: 是, en: "Yes"}
        next: done
      - id: "no"
        label: {zh: 不是, en: "No"}
        next: done
results:
  - id: done
    verdict: depends
    headline: {zh: 结果, en: Result}
    why: {zh: 看情况, en: It depends}
    bring: {zh: 身份证, en: ID card}
    sources:
      - {zh: 《法律援助法》第34条, en: Legal Aid Law art. 34}
footer: {zh: 拨打12348, en: Call 12348}
"""
LONELY = "  - id: lonely\n    ask: {zh: 孤单？, en: \"Alone?\"}\n    options:\n      - {id: a, label: {zh: 甲, en: A}, next: done}\nresults:\n"


@pytest.mark.parametrize("old, new, line, message", [
    ('en: "Is it?"}', 'en: ["Is it?"}', 7, "not valid YAML"),
    ("next: done\n      - id: \"no\"", "next: gone\n      - id: \"no\"", 9, "'gone' is not the id of any step"),
    ('{zh: 是吗？, en: "Is it?"}', "{zh: 是吗？}", 7, "ask.en: empty or missing text"),
    ("label: {zh: 不是, en: \"No\"}", "label: {zh: 不是}", 13, "label.en: empty or missing text"),
    ("    sources:\n      - {zh: 《法律援助法》第34条, en: Legal Aid Law art. 34}\n", "", 16, "needs `sources`"),
    ("results:\n", LONELY, 15, "lonely: can never be reached"),
    ("start: ask", "start: nowhere", 4, "'nowhere' is not the id of any step"),
    ('id: "yes"', "id: yes", 9, "write it in quotes"),
])
def test_a_broken_flow_file_is_reported_by_line_and_not_served(tmp_path, old, new, line, message):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    assert Flows.load(tmp_path)[0].ids() == ["tiny"]
    path.write_text(TINY.replace(old, new, 1), encoding="utf-8")
    loaded, problems = Flows.load(tmp_path)
    errors = [str(p) for p in problems if p.severity == "error"]
    assert any(e.startswith(f"{path}:{line}:") and message in e for e in errors), errors
    assert loaded.ids() == []


def test_a_county_figure_without_its_source_is_refused(tmp_path):
    directory = shutil.copytree(FLOWS_DIR, tmp_path / "flows")
    path = directory / "income_standards.yaml"
    path.write_text(path.read_text(encoding="utf-8")
                    + "\n  犍为县:\n    name: {zh: 犍为县, en: Qianwei}\n    monthly_income_per_person: 1500\n", encoding="utf-8")
    loaded, problems = Flows.load(directory)
    assert any("needs its `source:`" in str(p) and str(p).startswith(str(path)) for p in problems)
    assert_result(walk(loaded, ["2", "不是", "不是"], county="犍为县"), "depends", UNKNOWN_FIGURE)


def test_shipped_standards_carry_no_unverified_figure(flows):
    assert flows.standards.for_county("犍为县").monthly_income_per_person is None


def test_readme_diagram_matches_the_flow_file(flows):
    readme = (FLOWS_DIR / "README.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{mermaid(flows.flow(FLOW))}```" in readme


def test_an_admin_word_in_answers_yaml_is_understood_and_a_broken_line_is_named(tmp_path):
    directory = shutil.copytree(FLOWS_DIR, tmp_path / "flows")
    path = directory / "answers.yaml"
    shipped = path.read_text(encoding="utf-8")
    before = walk(Flows.load(directory)[0], ["2", "冇得"])
    assert before.state["step"] == "no_condition" and before.reply.text.startswith("没太明白")  # asked again
    path.write_text(shipped.replace("no_words: [", "no_words: [冇得, "), encoding="utf-8")
    after = walk(Flows.load(directory)[0], ["2", "冇得", "我是低保户"])
    assert_result(after, "likely_eligible", "免予核查")
    path.write_text(shipped.replace("zero_words: [", "zero_words: [yes, "), encoding="utf-8")
    problems = [str(p) for p in Flows.load(directory)[1]]
    assert any(p.startswith(f"{path}:11:") and "zero_words: item 1" in p for p in problems), problems
