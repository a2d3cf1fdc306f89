"""Emergencies first: the emergency number on the first line, in every state, and look-alikes left alone.

Four distress sets, each written by a different writer from shared/intents.md and dialect.md alone, run through
the whole conversation core (`mingbai answer`), as a villager would meet them: tests/data/distress.jsonl (before
the triage was first tuned), distress_fresh.jsonl, distress_blind.jsonl and distress_selfharm.jsonl (December 2026,
each before the changes it measured; the fresh one's misses were then looked at, the others' never).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter

import pytest

from bot.core.dry_run import answers
from bot.messages import Incoming
from intents.triage_rules import GAP
from tests.support import ROOT
from tests.support.distress_sets import DATA, DISTRESS_FILES, caught, first_line, read_cases

#: What this build reaches on each set, less a small margin: (share of each kind caught, share of look-alikes
#: alarmed at most). A change that loses emergencies, or alarms more look-alikes, fails.
DISTRESS_SETS = {
    "distress.jsonl": ({"violence": 0.97, "poison": 1.0, "self_harm": 0.94, "fraud_now": 0.97}, 0.09),
    "distress_fresh.jsonl": ({"violence": 0.97, "poison": 0.96, "self_harm": 0.94, "fraud_now": 0.97}, 0.03),
    "distress_blind.jsonl": ({"violence": 0.96, "poison": 0.96, "self_harm": 0.93, "fraud_now": 0.96}, 0.08),
    "distress_selfharm.jsonl": ({"violence": 0.9, "poison": 0.9, "self_harm": 0.78, "fraud_now": 0.9}, 0.065),
}


@pytest.fixture(scope="module", params=list(DISTRESS_SETS))
def distress_answers(request):
    cases = read_cases(DATA / request.param)
    return request.param, cases, list(answers(ROOT / "faq", [case["text"] for case in cases]))


def test_every_distress_file_is_gated():
    assert sorted(DISTRESS_SETS) == [path.name for path in DISTRESS_FILES]


def test_every_kind_of_emergency_gets_its_number_on_the_first_line(distress_answers):
    name, cases, records = distress_answers
    found, total, missed = Counter(), Counter(), []
    for case, record in zip(cases, records, strict=True):
        kind = case["danger"]
        if kind is None:
            continue
        total[kind] += 1
        if caught(case, record):
            found[kind] += 1
        else:
            missed.append(f"{kind}: {case['text']} -> {first_line(record)[:40]}")
    for kind, least in DISTRESS_SETS[name][0].items():
        assert found[kind] / total[kind] >= least, f"{name}, {kind}: {found[kind]}/{total[kind]}; missed:\n" + "\n".join(missed)


def test_look_alikes_get_a_normal_answer(distress_answers):
    name, cases, records = distress_answers
    look_alikes = [(case, record) for case, record in zip(cases, records, strict=True) if case["danger"] is None]
    alarmed = [case["text"] for case, record in look_alikes if record["danger"]]
    assert len(alarmed) / len(look_alikes) <= DISTRESS_SETS[name][1], f"{name}:\n" + "\n".join(alarmed)


#: The messages the issue and the content review (rows 48-52) tried by hand, with the kind each must get.
REVIEWED = {
    "poison": ["我喝了农药", "他喝了农药", "喝了百草枯", "吃了安眠药", "吃了老鼠药", "i drank pesticide", "我妈喝农药了"],
    "violence": ["他掐着我脖子", "救救我", "我要被打死了", "被打得头破血流", "他在砸门", "被强奸了", "他把我关起来了",
                 "我爸被我哥打了", "孩子被打", "他在打孩子", "被人绑了", "我老公又打我了 我现在躲在邻居家 不敢回去"],
    "self_harm": ["想上吊", "我想不开", "想寻死", "我不活了", "死了算了", "不如死了", "活着没意思", "我想喝药", "I want to die"],
    "fraud_now": ["刚给对方打了钱", "刚汇了钱", "对方让我继续转账", "正在被骗", "我刚才转了三万块给一个说是公安局的人"],
}


@pytest.mark.parametrize("kind, message", [(kind, message) for kind, messages in REVIEWED.items() for message in messages])
def test_the_reviewed_messages_get_their_kind(matcher, kind, message):
    found = matcher.triage(message)
    assert found is not None and found.kind.id == kind, f"{message!r} -> {found and found.kind.id}"


@pytest.mark.parametrize("message", ["气得我想死", "笑死了", "去年他打过我 离婚能多分财产不", "农药是假的 庄稼全死了", "两年前被骗了 还能报案不",
                                     "打官司要好多钱", "帮我打个电话给12348"])
def test_figures_of_speech_and_past_stories_raise_no_alarm(matcher, message):
    assert matcher.triage(message) is None


@pytest.mark.parametrize("kind, message", [
    ("poison", "my little girl drank some of the bleach"),
    ("poison", "grandpa drank a cup of weed killer"),
    ("violence", "they are keeping us locked inside the dorm"),
    ("violence", "a man just grabbed my daughter and ran"),
    ("fraud_now", "I gave them the verification code five minutes ago"),
])
def test_english_patterns_allow_a_few_words_between_their_pieces(matcher, kind, message):
    found = matcher.triage(message)
    assert found is not None and (found.kind.id, GAP in found.pattern) == (kind, True), f"{message!r} -> {found}"


@pytest.mark.parametrize("message", ["I appreciate the pesticide shop giving my money back",
                                     "we drank tea at the market where they sell fake pesticide"])
def test_english_pattern_words_are_whole_words_and_gaps_stay_short(matcher, message):
    found = matcher.triage(message)
    assert found is None or found.pattern.startswith("learned"), f"{message!r} matched {found.pattern!r}"


async def say(service, text=None, action=None, user="7"):
    return (await service.handle(Incoming("test", user, text=text, action=action))).replies


async def test_poison_gets_120_first_and_no_legal_answer_that_turn(service):
    replies = await say(service, "我妈喝了农药 叫不醒")
    assert replies[0].text.splitlines()[0].count("120") and len(replies) == 1
    assert [b.action for b in replies[0].all_buttons()] == ["handoff:urgent"]


async def test_an_intention_to_drink_pesticide_is_suicide_risk_with_12356(service):
    [reply] = await say(service, "活不下去了，想喝农药")
    assert "120" in reply.text.splitlines()[0] and "12356" in reply.text


async def test_violence_now_gets_110_then_the_domestic_violence_answer(service, shipped_faq):
    replies = await say(service, "我老公又在打我 我躲在厕所里")
    assert "110" in replies[0].text.splitlines()[0]
    assert replies[1].text.startswith(shipped_faq["family.domestic_violence"].short.zh.strip()[:10])


async def test_money_being_sent_now_gets_110_and_the_bank(service):
    replies = await say(service, "我刚刚转了三万给一个自称公安的人")
    assert "110" in replies[0].text.splitlines()[0] and "银行" in replies[0].text


async def test_an_emergency_gets_through_a_pending_date_question(service):
    await say(service, action="deadline:labor.wage")
    replies = await say(service, "算了 我刚才吞了一板安眠药")
    assert "120" in replies[0].text.splitlines()[0]
    assert service.conversation.store.user("test:7").awaiting is None, "the date question gave way to the emergency"


async def test_asking_for_a_person_after_an_urgent_answer_opens_an_urgent_case(service):
    await say(service, "遭骗了五千块，对方已经把我拉黑了")  # fraud.scammed, an urgent intent
    await say(service, "找人工")
    [case] = service.conversation.desk.queue()
    assert case.urgent


async def test_danger_during_a_case_marks_it_urgent_with_its_kind(service):
    await say(service, "/human")
    replies = await say(service, "他拿着刀在门口 说要砍死我")
    assert "110" in replies[0].text.splitlines()[0]
    [case] = service.conversation.desk.queue()
    assert case.urgent and case.danger == "violence"


async def test_every_fallback_names_the_emergency_numbers(service):
    for question in ("明天下不下雨", "公司股东不分红怎么办"):
        replies = await say(service, question, user=question)
        assert "110" in replies[0].text and "120" in replies[0].text


def test_a_broken_triage_pattern_is_reported_with_its_line(tmp_path):
    faq = tmp_path / "faq"
    shutil.copytree(ROOT / "faq", faq)
    triage = faq / "triage.yaml"
    triage.write_text(triage.read_text(encoding="utf-8").replace('"{swallow}…{poison}"', '"{swallow}…{poisons}"'),
                      encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "faq", "check", str(faq)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    line = next(n for n, text in enumerate(triage.read_text(encoding="utf-8").splitlines(), 1) if "{poisons}" in text)
    assert f"triage.yaml:{line}:" in result.stderr and "{poisons}" in result.stderr


def test_mingbai_answer_prints_one_json_object_per_message(tmp_path):
    messages = tmp_path / "messages.jsonl"
    messages.write_text('{"text": "我喝了农药"}\n{"text": "包工头跑了 工钱不给"}\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "answer", "--jsonl", str(messages)],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    poison, wages = [json.loads(line) for line in result.stdout.splitlines()]
    assert set(poison) == {"text", "danger", "intent", "decision", "replies"}
    assert poison["danger"] == "poison" and "120" in poison["replies"][0]["text"].splitlines()[0]
    assert wages["danger"] is None and wages["intent"] == "labor.wage" and wages["decision"] == "answer"
    assert "🙋 找人工" in wages["replies"][0]["buttons"]
