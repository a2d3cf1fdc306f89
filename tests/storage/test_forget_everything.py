"""/forget leaves nothing about the villager in any table of the database file, and export shows every kind of
thing kept about them (review H7: one `Store.forget_villager`, one `Store.export_villager`, over every owner).

The villager's data is written the way the service writes it (the core handling their messages, the Telegram
channel's outbox write inside the same transaction, the desk for the adviser's side, the group's ledger), into
a real SQLite file and a real PostgreSQL database. After /forget the test reads every table the database has,
not a list of them: a table added later that holds villager data fails here until forget_villager deletes it.
"""

from __future__ import annotations

import itertools

import pytest

from bot.messages import Incoming
from tests.support import ROOT, settings_for
from tests.support.core import actions
from tests.support.database import every_table
from tests.support.engines import ENGINES, database_url_of

VILLAGER = "987650123"  # a Telegram private chat: the chat id is the villager's id
KEY = f"telegram:{VILLAGER}"
NAME, PHONE = "王小明", "13812345678"
WAGES = "包工头跑了，工钱一直不给咋个办"
GROUP = -1001234


@pytest.fixture(params=ENGINES)
def settings(request, tmp_path):
    """conftest's settings, on each engine."""
    return settings_for({"MINGBAI_FAQ_DIR": str(ROOT / "faq"), "MINGBAI_DATA_DIR": str(tmp_path),
                         "MINGBAI_DATABASE_URL": database_url_of(request)})


def mentions(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The rows of each table that name the villager: their id (as text anywhere, or as a number), their name
    or their phone number."""
    def names(value) -> bool:
        if isinstance(value, str):
            return any(sign in value for sign in (VILLAGER, NAME, PHONE))
        return isinstance(value, int) and value == int(VILLAGER)

    found = {name: [row for row in rows if any(names(value) for value in row.values())]
             for name, rows in tables.items()}
    return {name: rows for name, rows in found.items() if rows}


_MESSAGE_NUMBERS = itertools.count(1)  # each message its own id, as Telegram's are


async def says(service, text=None, action=None):
    """One message from the villager, answered as the Telegram channel has it answered: the replies go into
    its outbox in the transaction that handles the message."""
    incoming = Incoming("telegram", VILLAGER, text=text, action=action,
                        message_id=f"{VILLAGER}:{next(_MESSAGE_NUMBERS)}")

    def record(outcome):
        service.store.telegram_outbox.add(int(VILLAGER), None, [{"text": reply.text} for reply in outcome.replies])

    return (await service.handle(incoming, record=record)).replies


async def leave_traces(service) -> int:
    """The villager's data in every table that can hold some, written as the service writes it; their case's number."""
    store, desk = service.store, service.conversation.desk
    answer = await says(service, f"我是{NAME}，{WAGES}")
    await says(service, action=next(action for action in actions(answer) if action.startswith("fb:up:")))
    await says(service, f"{NAME}的事情咋个整")  # too vague to answer: kept among the unanswered questions
    await says(service, "/where 犍为")
    await says(service, action="handoff")
    await says(service, f"请打给我 {PHONE}，我是{NAME}")
    await service.call(store.add_fragment, KEY, f"还有，{NAME}的工地在镇上", f"telegram:{VILLAGER}:99")
    [case] = desk.queue()
    await service.call(desk.claim, case.id, "alice")
    reply = await service.call(desk.from_adviser, case.id, "alice", f"{NAME}您好，我是王律师")
    await service.call(desk.mark_read, "alice", case.id)
    ledger, inbox = store.telegram_ledger, store.telegram_inbox
    await service.call(ledger.save_card, case.id, {"chat": GROUP, "topic_id": 5, "topic_name": f"#1 · 我是{NAME}…",
                                                   "card": "signature"})
    await service.call(ledger.record, case.id, [reply], GROUP, [77])
    await service.call(inbox.store, [{"update_id": 9001, "message": {"chat": {"id": int(VILLAGER)}, "text": NAME}}])
    await service.call(inbox.done, 9001)  # handled: what the update said is gone already
    return case.id


WRITTEN = {"users", "messages", "unanswered", "feedback", "processed", "fragments", "cases", "case_events",
           "case_callbacks", "telegram_outbox", "telegram_cases"}


async def test_forget_leaves_no_row_about_the_villager_in_any_table(service, settings):
    case_id = await leave_traces(service)
    before = mentions(every_table(settings.database))
    assert WRITTEN <= set(before), f"the test wrote no villager data into {sorted(WRITTEN - set(before))}"

    await service.handle(Incoming("telegram", VILLAGER, text="/forget"))
    [done] = (await service.handle(Incoming("telegram", VILLAGER, action="forget:yes"))).replies
    assert done.text.startswith("已删除您的全部记录")

    after = every_table(settings.database)
    assert mentions(after) == {}
    [kept] = after["cases"]
    assert kept["user_key"] == f"forgotten:{case_id}" and kept["status"] == "closed"  # anonymised, for statistics
    assert (await service.call(service.store.export_villager, KEY))["messages"] == []


async def test_export_shows_every_kind_and_a_blocked_villager_is_forgotten_but_stays_blocked(service, settings):
    store = service.store
    await leave_traces(service)
    await service.call(service.conversation.desk.block, KEY, "alice")
    assert WRITTEN | {"blocked"} <= set(mentions(every_table(settings.database)))

    exported = await service.call(store.export_villager, KEY)
    assert exported["user"]["place"] and exported["user"]["key"] == KEY  # (its county: tests/counties/test_counties.py)
    for kind in ("messages", "unanswered", "feedback", "processed", "fragments", "waiting_to_send"):
        assert exported[kind], f"export has no {kind}"
    [exported_case] = exported["cases"]
    assert exported_case["callback_number"] == PHONE and exported["blocked"] is True
    assert any(NAME in event["text"] for event in exported_case["events"])
    assert exported["waiting_to_send"][0]["text"].startswith("工资被拖欠")  # replies the outbox still holds

    # blocked, the villager gets no answers any more, so the bureau deletes on their request (`mingbai forget`,
    # the function /forget calls)
    await service.call(store.forget_villager, KEY)
    assert set(mentions(every_table(settings.database))) == {"blocked"}  # on purpose: a block protects advisers
