"""What villagers read names buttons, not slash commands; one way to a person per reply; and /privacy says
what the retention purge really deletes after 180 days and what it keeps."""

from __future__ import annotations

import re
import time

from bot.core import replies
from bot.core.texts import TEXTS
from intents.faq_loader import load_faq
from tests.support import ROOT
from tests.support.core import Villager, actions
from tests.support.database import count_rows

SHIPPED = load_faq(ROOT / "faq")[0]
COMMAND = re.compile(r"(?<![\w/])/[a-z]{3,}\b")


def test_no_text_a_villager_reads_names_a_slash_command():
    found = [f"texts.{key}.{lang}" for key, texts in TEXTS.items() for lang, words in texts.items() if COMMAND.search(words)]
    for intent in SHIPPED:
        for field in ("answer", "short", "bring"):
            value = getattr(intent, field)
            found += [f"{intent.id}.{field}.{lang}" for lang in ("zh", "en") if value and COMMAND.search(value(lang))]
    flows_yaml = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "faq" / "flows").glob("*.yaml"))
    found += [line for line in flows_yaml.splitlines() if COMMAND.search(line) and not line.lstrip().startswith("#")]
    assert found == []


def test_no_answer_offers_a_person_twice():
    for intent in SHIPPED:
        shown = actions([replies.answer(SHIPPED, intent, "zh")])
        asks_for_person = [a for a in shown if a.startswith("intent:") and SHIPPED[a[7:]].handoff == "start"]
        assert not asks_for_person, f"{intent.id}: {asks_for_person} beside the 找人工 button"


async def test_help_offers_a_button_for_each_command_and_the_buttons_work(service):
    villager = Villager(service)
    [help_reply] = await villager.says("/help")
    assert {"topics", "handoff", "cmd:where", "lang:en", "cmd:privacy", "cmd:forget"} <= set(actions([help_reply]))
    [privacy] = await villager.presses("cmd:privacy")
    assert privacy.text.startswith("我们保存") and actions([privacy]) == ["cmd:forget"]
    [confirm] = await villager.presses("cmd:forget")
    assert actions([confirm]) == ["forget:yes", "forget:no"]
    [where] = await villager.presses("cmd:where")
    assert "哪个县" in where.text and actions([where]) == ["exit"]


async def test_privacy_says_what_the_purge_deletes_and_what_it_keeps(service):
    villager = Villager(service)
    await villager.says("/where 犍为县")
    await villager.says("老板欠我工资不给怎么办")
    await villager.presses("fb:up:labor.wage")
    await villager.says("/human")
    [privacy] = await villager.says("/privacy")
    said_deleted, said_kept = privacy.text.split("\n")[1], privacy.text.split("\n")[2]
    assert "180天后自动删除" in said_deleted and "文字" in said_deleted and "有帮助" in said_deleted
    assert "不会自动删除" in said_kept and all(word in said_kept for word in ("转人工", "顾问", "语言", "地区"))
    said_callback = privacy.text.split("\n")[3]  # the number left for a call back (tests/console/test_console_callback.py)
    assert "请打给我" in said_callback and "只有接手的顾问" in said_callback and "结案" in said_callback

    store = service.store
    with store.transaction():  # everything happened 181 days ago
        for table in ("messages", "feedback", "processed", "cases", "case_events"):
            store.db.execute(f"update {table} set created_at = ?", [time.time() - 181 * 86400])
        store.db.execute("update users set updated_at = ?", [time.time() - 181 * 86400])
    store.purge_older_than(180)
    assert count_rows(store.path, "messages") == 0 and count_rows(store.path, "feedback") == 0  # point 1: deleted
    assert count_rows(store.path, "cases") == 1 and count_rows(store.path, "case_events") > 0  # point 2: kept
    assert store.user(villager.key).place == "犍为县"
