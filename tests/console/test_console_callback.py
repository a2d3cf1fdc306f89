"""A villager who asks to be phoned back: the number reaches only the adviser handling the case, stays masked
everywhere else, is in the villager's export, and is deleted when the case closes or with /forget."""

from __future__ import annotations

from tests.support.console import WAGES, WebVillager, browsers, site  # noqa: F401

NUMBER = "13812345678"


async def test_the_callback_number_is_for_the_handling_adviser_only_and_goes_with_the_case(site, browsers):
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(WAGES)
    await villager.says(action="handoff")
    await villager.says(f"我不太会打字，请打给我 {NUMBER[:3]} {NUMBER[3:7]} {NUMBER[7:]}")
    alice, bob = await browsers("alice"), await browsers("bob")
    case = (await alice.state(1))["case"]
    assert case["wants_callback"] and case["callback"] is None  # not before she holds the case
    assert case["events"][-1]["text"] == "我不太会打字，请打给我 [手机号]"  # the message itself stays masked
    await alice.act(1, "claim")
    assert (await alice.state(1))["case"]["callback"] == NUMBER
    assert (await bob.state(1))["case"]["callback"] is None  # a colleague sees that one was asked, not the number
    desk = site.console.desk
    exported = await site.service.call(site.service.store.export_villager, desk.case(1).user_key)
    assert exported["cases"][0]["callback_number"] == NUMBER
    files = b"".join(path.read_bytes() for path in site.data_dir.glob("mingbai.sqlite*"))
    assert files.count(NUMBER.encode()) >= 1  # stored once, apart from the masked texts

    await alice.act(1, "close", {"summary": "已回电"})
    assert not (await alice.state(1))["case"]["wants_callback"]
    count = await site.service.call(lambda: site.service.store.db.value("select count(*) from case_callbacks"))
    assert count == 0


async def test_forget_deletes_the_callback_number_of_an_open_case(site, browsers):
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(action="handoff")
    await villager.says(f"麻烦回个电话 {NUMBER}")
    desk = site.console.desk
    assert await site.service.call(desk.wants_callback, 1)
    await villager.says("/forget")
    await villager.says(action="forget:yes")
    assert not await site.service.call(desk.wants_callback, 1)


async def test_a_number_without_asking_to_be_called_is_only_masked(site, browsers):
    villager = await (await browsers(kind=WebVillager)).start()
    await villager.says(action="handoff")
    await villager.says(f"对方的电话是 {NUMBER}")
    assert not await site.service.call(site.console.desk.wants_callback, 1)
