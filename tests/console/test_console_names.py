"""Advisers' display names: chosen when the account is created (`mingbai user add NAME --display-name 王律师`),
changed with `mingbai user name`, and what villagers see when that adviser replies."""

from __future__ import annotations

from bot.cli.users import add_user_command, name_user_command
from tests.support.console import PASSWORD, WAGES, WebVillager, browsers, site  # noqa: F401


async def test_the_name_chosen_at_creation_is_what_villagers_see_and_it_can_be_changed(site, browsers, capsys):
    database = site.data_dir / "mingbai.sqlite"
    assert add_user_command(database, "wang", "adviser", prompt=lambda _: PASSWORD, display_name="王律师") == 0
    assert "villagers see '王律师'" in capsys.readouterr().out
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(WAGES)
    await villager.says(action="handoff")
    wang = await browsers("wang")
    assert (await wang.state())["me"]["display"] == "王律师"  # logging in keeps the chosen name
    await wang.act(1, "reply", {"text": "您好，我来看看", "claim": True})
    assert [reply["text"] for reply in await villager.pushed()] == ["👩‍⚖️ 王律师：您好，我来看看"]

    assert name_user_command(database, "wang", "王建国律师") == 0
    await wang.act(1, "reply", {"text": "请问欠了多少？"})
    assert [reply["text"] for reply in await villager.pushed()] == ["👩‍⚖️ 王建国律师：请问欠了多少？"]
    assert name_user_command(database, "nobody", "李律师") == 1
    assert add_user_command(database, "li", "adviser", prompt=lambda _: PASSWORD, display_name="  ") == 2
