"""Bad input gets a polite reply or a clear error, never an exception, and never touches someone else's data."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.content.places import Places
from bot.core.service import ChatService
from bot.flows.engine import Flows
from bot.messages import CONTENT_KINDS, Incoming, Reply
from intents.faq_loader import load_faq
from tests.support import ROOT, settings_for

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ACTIONS = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["intent:", "intent:nope", "fb:up", "fb:", "flow:", "flow:x:y", "flowstart:nope", "rate:1:5",
                     "rate:abc", "rate:999999:3", "deadline:nope", "group:", "lang:fr", "forget:maybe", "end", "none"]),
)


@pytest.fixture(scope="module")
def conversation(tmp_path_factory):
    directory = tmp_path_factory.mktemp("robust")
    service = ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(directory)}))
    yield service.conversation
    asyncio.run(service.close())


def _check(outcome) -> None:
    for reply in outcome.replies:
        assert isinstance(reply, Reply) and isinstance(reply.text, str) and reply.text.strip()
        assert len(reply.text) <= 4096


@FUZZ
@given(text=st.one_of(st.text(max_size=300), st.text(min_size=4000, max_size=6000)), user=st.sampled_from(["a", "b"]))
def test_any_text_gets_a_reply(conversation, text, user):
    _check(conversation.handle(Incoming("fuzz", user, text=text)))


@FUZZ
@given(action=ACTIONS, user=st.sampled_from(["a", "b"]))
def test_any_button_payload_is_handled(conversation, action, user):
    _check(conversation.handle(Incoming("fuzz", user, action=action)))


@FUZZ
@given(content=st.sampled_from(CONTENT_KINDS))
def test_any_content_kind_is_handled(conversation, content):
    outcome = conversation.handle(Incoming("fuzz", "c", content=content))
    _check(outcome)
    assert outcome.replies


def test_forged_rating_for_another_villagers_case_changes_nothing(conversation):
    conversation.handle(Incoming("fuzz", "owner", text="/human"))
    case = conversation.desk.open_case_for("fuzz:owner")
    conversation.handle(Incoming("fuzz", "owner", text="/end"))
    outcome = conversation.handle(Incoming("fuzz", "intruder", action=f"rate:{case.id}:1"))
    assert conversation.desk.case(case.id).rating is None
    assert "过期" in outcome.replies[0].text


@FUZZ
@given(text=st.text(max_size=200), action=st.one_of(st.none(), st.text(max_size=40)))
def test_flow_engine_never_raises(text, action):
    flows, _ = Flows.load(ROOT / "faq" / "flows")
    state = flows.start("legal_aid_eligibility", "zh").state
    step = flows.step(state, text=text, action=action)
    assert step.reply.text


@FUZZ
@given(text=st.text(max_size=300))
def test_places_lookup_never_raises(text):
    places, _ = Places.load(ROOT / "faq" / "places.yaml")
    places.find_area(text)


@FUZZ
@given(content=st.one_of(st.text(max_size=400), st.binary(max_size=400)))
def test_faq_loader_reports_instead_of_raising(tmp_path_factory, content):
    directory = tmp_path_factory.mktemp("faqfuzz")
    path = directory / "broken.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    _, problems = load_faq(directory)
    assert problems and all(str(p).count(":") >= 2 for p in problems)


async def test_an_unwritable_database_still_answers_and_says_nothing_was_saved(tmp_path):
    service = ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path)}))
    service.store.db.execute("PRAGMA query_only = ON")  # every write now fails, as on a read-only file
    replies = (await service.handle(Incoming("test", "1", text="包工头跑了，工钱一直不给咋个办", message_id="a"))).replies
    assert "依据" in replies[0].text, "reading still works: the FAQ answer"
    assert "没能保存" in replies[-1].text and "12348" in replies[-1].text
    service.store.db.execute("PRAGMA query_only = OFF")
    recovered = (await service.handle(Incoming("test", "1", text="/human", message_id="b"))).replies
    assert "人工" in recovered[0].text and service.conversation.desk.open_case_for("test:1")
    await service.close()


async def test_a_database_locked_for_a_moment_is_waited_for(tmp_path):
    import sqlite3

    service = ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path)}))
    other = sqlite3.connect(service.store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    pending = asyncio.create_task(service.handle(Incoming("test", "2", text="你好", message_id="c")))
    await asyncio.sleep(1.0)
    assert not pending.done(), "the write waits for the lock instead of failing"
    other.execute("COMMIT")
    replies = (await pending).replies
    assert replies and "没能保存" not in replies[-1].text
    await service.close()
