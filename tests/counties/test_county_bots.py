"""A county's own Telegram bot and WeChat account, beside the default ones, in one process.

Wired by bot/app.py's own functions (`build_web_app`, `start_telegram`) against the fake Bot API serving two
bots at one address (each numbering its updates from 1, as Telegram does) and two fake WeChat accounts: a
villager on 犍为's bot is 犍为's (its office, its advisers' group, which that bot serves), and an adviser's reply
goes back through the bot or account the villager wrote to, never the default one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import subprocess
import sys

from bot.app import running as app_running
from bot.content.folder import check_folder
from bot.settings import Settings
from bot.storage.store import Store
from tests.support import ROOT
from tests.support.counties import JINGYAN_GROUP, QIANWEI, QIANWEI_GROUP, faq_with_counties
from tests.support.telegram.bots import (  # noqa: F401  (fixtures)
    ADVISERS,
    CHAT,
    OTHER_VILLAGER,
    ZHANG,
    fake,
    free_port,
    settings,
    until,
)
from tests.support.wechat import FakeWeChat

TOKEN_VARIABLE = "MINGBAI_QIANWEI_TELEGRAM_TOKEN"
COUNTY_TOKEN = "777777:QIANWEI-token"
WHERE_TO_GO = "法律援助去哪里申请"
OFFICE = "犍为县法律援助中心（测试）"


def _with_channels(faq_dir, lines: str):
    """qianwei.yaml with a `channels:` block (the names of the variables holding its secrets)."""
    path = faq_dir / "counties" / "qianwei.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "channels:\n" + lines, encoding="utf-8")
    return faq_dir


def _county_settings(settings: Settings, tmp_path, environment: dict[str, str], lines: str) -> Settings:
    faq_dir = _with_channels(faq_with_counties(tmp_path / "faq"), lines)
    return dataclasses.replace(settings, faq_dir=faq_dir, environment=environment)


def running(settings: Settings, port: int = 0):
    """Everything `mingbai run` starts (bot/app.py's own `running`), its web server on `port` (0: any free one)."""
    return app_running(dataclasses.replace(settings, web_port=port))


def _cards(bot, group: int) -> list[dict]:
    return [m for m in bot.sent(group) if "📌" in m.get("text", "")]


# --- Telegram ----------------------------------------------------------------------------------


async def test_a_villager_on_the_countys_bot_reaches_its_office_and_advisers_and_hears_back_through_that_bot(
        fake, settings, tmp_path):
    county = fake.add_bot(COUNTY_TOKEN, "qianwei_test_bot")
    settings = _county_settings(settings, tmp_path, {TOKEN_VARIABLE: COUNTY_TOKEN},
                                f"  telegram_token_env: {TOKEN_VARIABLE}\n")
    county.set_member(QIANWEI_GROUP, ZHANG, "member")
    async with running(settings) as world:
        county.push_text(CHAT, WHERE_TO_GO)
        [answer] = await county.wait_for_messages(CHAT, 1)
        county.push_text(CHAT, "/human")  # the bot said which county: no question
        await county.wait_for_messages(CHAT, 2)
        card = await until(lambda: next(iter(_cards(county, QIANWEI_GROUP)), None), what="the card in 犍为's group")
        county.push_in_topic(QIANWEI_GROUP, card["message_thread_id"], county.user(ZHANG, "Zhang"),
                             text="您好，犍为的顾问在。")
        received = await county.wait_for_messages(CHAT, 3)
        case = await world.service.call(world.service.conversation.desk.open_case_for, f"telegram:qianwei:{CHAT}")
    assert OFFICE in answer["text"] and "犍为测试补充：带上身份证。" in answer["text"]
    assert "哪个县" not in received[1]["text"] and case.county == "qianwei"
    assert received[2]["text"] == "👩‍⚖️ 法律顾问：您好，犍为的顾问在。"
    assert fake.sent(CHAT) == [] and fake.sent(QIANWEI_GROUP) == []  # the default bot said nothing to either
    assert _cards(fake, ADVISERS) == []


async def test_two_bots_number_their_updates_alike_and_each_answers_its_own_villagers(fake, settings, tmp_path):
    county = fake.add_bot(COUNTY_TOKEN, "qianwei_test_bot")
    settings = _county_settings(settings, tmp_path, {TOKEN_VARIABLE: COUNTY_TOKEN},
                                f"  telegram_token_env: {TOKEN_VARIABLE}\n")
    async with running(settings):
        on_default = fake.push_text(CHAT, "借钱不还怎么办")
        on_county = county.push_text(CHAT, WHERE_TO_GO)  # the same person, writing to the county's bot
        [debt] = await fake.wait_for_messages(CHAT, 1)
        [legal_aid] = await county.wait_for_messages(CHAT, 1)
        fake.push_text(CHAT, "/human")  # on the default bot the county is not known: the question comes
        question = (await fake.wait_for_messages(CHAT, 2))[1]
    assert on_default["update_id"] == on_county["update_id"] == 1
    assert debt["text"].startswith("借钱不还") and OFFICE not in debt["text"]
    assert OFFICE in legal_aid["text"]
    assert "哪个县" in question["text"]
    assert len(county.sent(CHAT)) == 1


async def test_a_villager_who_names_another_county_reaches_its_advisers_and_still_hears_back_on_their_bot(
        fake, settings, tmp_path):
    county = fake.add_bot(COUNTY_TOKEN, "qianwei_test_bot")
    settings = _county_settings(settings, tmp_path, {TOKEN_VARIABLE: COUNTY_TOKEN},
                                f"  telegram_token_env: {TOKEN_VARIABLE}\n")
    fake.set_member(JINGYAN_GROUP, ZHANG, "member")  # 井研 has no bot of its own: the default bot serves its group
    async with running(settings):
        county.push_text(OTHER_VILLAGER, "/where 井研")
        await county.wait_for_messages(OTHER_VILLAGER, 1)
        county.push_text(OTHER_VILLAGER, WHERE_TO_GO)
        answer = (await county.wait_for_messages(OTHER_VILLAGER, 2))[1]
        county.push_text(OTHER_VILLAGER, "/human")
        await county.wait_for_messages(OTHER_VILLAGER, 3)
        card = await until(lambda: next(iter(_cards(fake, JINGYAN_GROUP)), None), what="the card in 井研's group")
        thread, zhang = card["message_thread_id"], fake.user(ZHANG, "Zhang")
        fake.push_in_topic(JINGYAN_GROUP, thread, zhang, text="井研的顾问在。")
        received = await county.wait_for_messages(OTHER_VILLAGER, 4)
        fake.push_in_topic(JINGYAN_GROUP, thread, zhang,  # a file_id is one bot's: it cannot cross to 犍为's bot
                           photo=[{"file_id": "photo-of-the-default-bot", "file_unique_id": "p", "width": 8, "height": 8}])
        told = await until(lambda: [m for m in fake.topic_messages(JINGYAN_GROUP, thread) if "另一个机器人" in m["text"]],
                           what="the adviser told the file cannot cross")
    assert OFFICE not in answer["text"]  # the villager's own word stands over the bot's county
    assert received[3]["text"] == "👩‍⚖️ 法律顾问：井研的顾问在。"
    assert len(told) == 1 and len(county.sent(OTHER_VILLAGER)) == 4
    assert fake.sent(OTHER_VILLAGER) == [] and _cards(county, QIANWEI_GROUP) == []


async def test_in_webhook_mode_each_bot_has_its_own_path(fake, settings, tmp_path):
    county = fake.add_bot(COUNTY_TOKEN, "qianwei_test_bot")
    port = free_port()
    settings = dataclasses.replace(_county_settings(settings, tmp_path, {TOKEN_VARIABLE: COUNTY_TOKEN},
                                                    f"  telegram_token_env: {TOKEN_VARIABLE}\n"),
                                   webhook_url=f"http://127.0.0.1:{port}", webhook_secret="s3cret")
    async with running(settings, port):
        await until(lambda: county.webhook.get("url") and fake.webhook.get("url"), what="both webhooks set")
        county.push_text(CHAT, WHERE_TO_GO)
        fake.push_text(CHAT, "借钱不还怎么办")
        [legal_aid] = await county.wait_for_messages(CHAT, 1)
        [debt] = await fake.wait_for_messages(CHAT, 1)
    assert county.webhook["url"] == f"http://127.0.0.1:{port}/telegram/webhook/qianwei"
    assert fake.webhook["url"] == f"http://127.0.0.1:{port}/telegram/webhook"
    assert OFFICE in legal_aid["text"] and debt["text"].startswith("借钱不还")
    assert county.webhook_deliveries == fake.webhook_deliveries == [200]


def test_a_county_file_names_a_variable_never_a_token(tmp_path):
    faq_dir = _with_channels(faq_with_counties(tmp_path / "faq"), '  telegram_token_env: "123456:ABC-secret"\n'
                                                                  "  wechat_appid_env: MINGBAI_QIANWEI_WECHAT_APPID\n")
    problems = "\n".join(str(problem) for problem in check_folder(faq_dir)[1])
    line = len(QIANWEI.splitlines()) + 2  # the line after `channels:`
    assert f"qianwei.yaml:{line}: qianwei.channels.telegram_token_env: write the NAME of the environment variable" \
        in problems
    assert "`wechat_token_env`" in problems and "go together" in problems


def test_a_county_naming_an_unset_variable_stops_the_start_with_a_message_not_a_traceback(tmp_path):
    faq_dir = _with_channels(faq_with_counties(tmp_path / "faq"), f"  telegram_token_env: {TOKEN_VARIABLE}\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MINGBAI_", "TELEGRAM_"))}
    env.update(MINGBAI_FAQ_DIR=str(faq_dir), MINGBAI_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT),
               MINGBAI_WEB_PORT="0")
    run = subprocess.run([sys.executable, "-m", "bot.cli", "run"], capture_output=True, text=True, cwd=tmp_path,
                         env=env, timeout=120)
    assert run.returncode == 2, run.stderr[-2000:]
    assert f"faq/counties/qianwei.yaml names {TOKEN_VARIABLE} (`telegram_token_env`), but {TOKEN_VARIABLE} is not set" \
        in run.stderr
    assert "Traceback" not in run.stderr


# --- WeChat ------------------------------------------------------------------------------------


async def test_a_countys_official_account_binds_its_followers_and_carries_the_advisers_reply(settings, tmp_path):
    default, county = FakeWeChat("default-token"), FakeWeChat("qianwei-token", app_id="wx00qianwei00000", secret="qs")
    await default.start()
    await county.start()
    names = {"MINGBAI_QIANWEI_WECHAT_TOKEN": county.token, "MINGBAI_QIANWEI_WECHAT_APPID": county.app_id,
             "MINGBAI_QIANWEI_WECHAT_SECRET": county.secret}
    settings = _county_settings(settings, tmp_path, names, "".join(
        f"  {key}: {name}\n" for key, name in zip(("wechat_token_env", "wechat_appid_env", "wechat_secret_env"), names, strict=True)))
    settings = dataclasses.replace(settings, telegram_token="", wechat_token=default.token, wechat_appid=default.app_id,
                                   wechat_secret=default.secret, wechat_api_base=county.api_base)
    try:
        async with running(settings) as world:
            default.bot_url = f"http://127.0.0.1:{world.port}/wechat"
            county.bot_url = f"http://127.0.0.1:{world.port}/wechat/qianwei"
            answer = await county.text("oVillager", WHERE_TO_GO)
            await county.text("oVillager", "/human")
            desk = world.service.conversation.desk
            case = await world.service.call(desk.open_case_for, "wechat:qianwei:oVillager")
            await world.service.call(desk.claim, case.id, "web:alice")
            await world.service.call(desk.from_adviser, case.id, "web:alice", "您好，犍为的顾问在。")
            await world.relay.run_once()
            plain = await default.text("oOther", WHERE_TO_GO)
    finally:
        await default.close()
        await county.close()
    assert OFFICE in answer.reply and case.county == "qianwei"
    assert any("您好，犍为的顾问在。" in seen for seen in county.seen["oVillager"])
    assert OFFICE not in plain.reply  # the default account's followers are not bound to 犍为
    assert default.problems == county.problems == []


# --- storage -----------------------------------------------------------------------------------


def test_an_older_database_keeps_its_queued_updates_and_messages_for_the_default_bot(tmp_path):
    """A restart onto this release finds what the last one stored but had not handled or sent (the df12123 dump of
    tests/storage/test_migrations.py, with one pending update and one unsent message added the old way)."""
    path = tmp_path / "mingbai.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as old:
        old.executescript((ROOT / "tests" / "data" / "database_df12123.sql").read_text(encoding="utf-8"))
        old.execute("insert into telegram_inbox (update_id, raw, status, created_at) values (1, ?, 'pending', 0)",
                    [json.dumps({"update_id": 1})])
        old.execute("insert into telegram_outbox (chat_id, payload, created_at) values (4242, '{}', 0)")
        old.commit()
    store = Store(path)
    assert store.telegram_inbox.pending() == [{"update_id": 1}] and store.telegram_outbox.chats() == [4242]
    county_inbox = store.telegram_inbox.of_bot("qianwei")
    assert county_inbox.pending() == [] and store.telegram_outbox.of_bot("qianwei").chats() == []
    assert county_inbox.store([{"update_id": 1}]) == [1]  # the county bot's update 1 is another update
    assert store.telegram_inbox.store([{"update_id": 1}]) == []  # the default bot's is known already
    store.close()
