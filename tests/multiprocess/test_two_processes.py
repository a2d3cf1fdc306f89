"""Two `mingbai run` processes on one PostgreSQL database, behind a load balancer, behave as one service.

Whichever process a request reaches, a villager sees one conversation: each message answered once and in order,
their language and guided check carried over, an adviser's reply on the page they have open, nothing lost when one
process is killed with kill -9 in the middle of a burst, and nothing written to a SQLite file. The test plays the
load balancer: each request names the process (A or B) it goes to.

Real parts throughout: `python -m bot.cli run` subprocesses (tests/support/processes.py) on a throwaway PostgreSQL
cluster (tests/support/postgres.py), spoken to over HTTP and WebSocket as the chat page and the console do.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.support.processes import (
    ConsoleAdviser,
    MingbaiProcess,
    WebVillager,
    add_adviser,
    mingbai_processes,
    start_process,
)

#: Questions from the shipped FAQ and how the first bubble of each answer begins (to tell the answers apart).
STARTS = {
    "老板欠我工资不给怎么办": "工资被拖欠",
    "我想离婚": "离婚有两条路",
    "邻居占了我家的地": "邻居之间的界线",
    "借钱不还怎么办": "借钱不还",
    "交通事故对方不赔": "出了交通事故",
    "遭骗了好几千块": "⚠️ 刚被骗",
}
QUESTIONS = list(STARTS)
PUSH_SECONDS = 5  # an adviser's reply on the villager's open page: "within a few seconds"
ADVISER_REPLY = "您好，我是法律援助中心的顾问，请问工钱拖欠了多久？"


@pytest.fixture
async def processes(tmp_path, postgres_url):
    async with mingbai_processes(tmp_path, postgres_url) as running:
        yield running


def first_bubble(answer: dict) -> str:
    assert answer["replies"], f"no answer: {answer}"
    return answer["replies"][0]["text"]


def shown(question: str, answer: dict) -> list[tuple[str, str]]:
    """What the page shows for one exchange: the villager's message, then each bubble of the answer."""
    return [("me", question)] + [("bot", reply["text"]) for reply in answer["replies"]]


def replies_of_the_adviser(transcript: list[tuple[str, str]]) -> int:
    """How often the page shows ADVISER_REPLY (under the adviser's name)."""
    return sum(who == "bot" and ADVISER_REPLY in text for who, text in transcript)


# --- a. web villagers whose requests alternate between the two processes --------------------------------------


async def _alternating_villager(number: int, a: MingbaiProcess, b: MingbaiProcess) -> None:
    async with WebVillager.opened() as villager:
        welcome = await villager.open_page(a)
        expected = [("bot", reply["text"]) for reply in welcome["replies"]]  # /start itself is not shown
        for index in range(4):
            question = QUESTIONS[(number + index) % len(QUESTIONS)]
            process = (a, b)[index % 2]
            answer = await villager.says(process, question)
            assert first_bubble(answer).startswith(STARTS[question]), (process.name, question, answer)
            expected += shown(question, answer)
        for process in (a, b):  # the same conversation, whichever process the reloaded page reaches
            assert await villager.transcript(process) == expected, f"history on {process.name}"


async def test_villagers_alternating_between_processes_get_every_message_answered_once_in_order(processes):
    a, b = processes
    await asyncio.gather(*(_alternating_villager(number, a, b) for number in range(4)))


async def test_messages_sent_at_once_to_both_processes_are_answered_one_at_a_time(processes):
    """A villager typing faster than the answers come, the page's requests spread over both processes: each
    message is answered once, and the conversation reads question, its answer, next question (one villager's
    messages are handled one at a time, whichever process gets them)."""
    a, b = processes
    async with WebVillager.opened() as villager:
        welcome = await villager.open_page(a)
        questions = QUESTIONS[:4]
        answers = await asyncio.gather(*(villager.says((a, b)[index % 2], question)
                                         for index, question in enumerate(questions)))
        for question, answer in zip(questions, answers, strict=True):
            assert first_bubble(answer).startswith(STARTS[question]), (question, answer)
        transcript = await villager.transcript(a)
        exchanges = {question: shown(question, answer) for question, answer in zip(questions, answers, strict=True)}
        order = [text for who, text in transcript if who == "me"]
        assert sorted(order) == sorted(questions), f"each question once: {order}"
        expected = [("bot", reply["text"]) for reply in welcome["replies"]]
        expected += [line for question in order for line in exchanges[question]]
        assert transcript == expected, "each question followed by its own answer"


async def test_a_language_chosen_on_one_process_holds_on_the_other(processes):
    a, b = processes
    async with WebVillager.opened() as villager:
        await villager.open_page(a)
        assert (await villager.says(a, "/lang en"))["lang"] == "en"
        answer = await villager.says(b, "老板欠我工资不给怎么办")
        assert answer["lang"] == "en"
        assert first_bubble(answer).startswith("If your wages are unpaid"), answer
        assert (await villager.history(a))["lang"] == "en"


async def test_a_guided_check_started_on_one_process_goes_on_on_the_other(processes):
    a, b = processes
    async with WebVillager.opened() as villager:
        await villager.open_page(a)
        started = await villager.says(a, action="flowstart:legal_aid_eligibility")
        assert "您遇到的是哪一类事情" in "".join(reply["text"] for reply in started["replies"]), started
        assert "是不是下面任何一种情况" in first_bubble(await villager.says(b, "劳动")), "the check's next question, on B"
        assert "进城务工人员" in first_bubble(await villager.says(a, "不是")), "and its next, back on A"


async def test_a_page_reloaded_on_the_other_process_shows_the_pressed_buttons_and_the_buttons_to_press(processes):
    """The history a reloaded page shows is the same whichever process the reload reaches: the label of a button
    the villager pressed (「🙋 找人工」), and the buttons under the latest answer, still there to press."""
    a, b = processes
    async with WebVillager.opened() as villager:
        await villager.open_page(a)
        await villager.says(a, "老板欠我工资不给怎么办")
        await villager.says(a, action="handoff")
        on_a, on_b = await villager.history(a), await villager.history(b)
        assert ("me", "🙋 找人工") in [(message["from"], message["text"]) for message in on_a["messages"]]
        assert on_a["messages"][-1]["buttons"], "the reply to 找人工 has buttons (on A, which answered it)"
        assert on_b == on_a


async def test_a_retry_after_a_lost_answer_gets_the_same_answer_from_the_other_process(processes):
    """A phone's connection drops after A answered: the page sends the message again, same number, and the load
    balancer sends it to B. The villager sees the answer (the first one, not a second handling)."""
    a, b = processes
    async with WebVillager.opened() as villager:
        welcome = await villager.open_page(a)
        question = "我想离婚"
        lost = await villager.says(a, question, message_id="m9")
        retry = await villager.says(b, question, message_id="m9")
        assert retry["replies"] == lost["replies"]
        expected = [("bot", reply["text"]) for reply in welcome["replies"]] + shown(question, lost)
        assert await villager.transcript(b) == expected


async def test_a_retry_racing_the_first_on_the_other_process_gets_the_one_answer(processes):
    """The page sends an unanswered message again under its number; behind a load balancer the retry may reach
    the other process while the first is still being answered. Both get the one answer; it is given once."""
    a, b = processes
    async with WebVillager.opened() as villager:
        welcome = await villager.open_page(a)
        question = "老板欠我工资不给怎么办"
        first, retry = await asyncio.gather(villager.says(a, question, message_id="m9"),
                                            villager.says(b, question, message_id="m9"))
        assert first_bubble(first).startswith(STARTS[question]) and retry["replies"] == first["replies"]
        expected = [("bot", reply["text"]) for reply in welcome["replies"]] + shown(question, first)
        assert await villager.transcript(b) == expected


# --- b. a handoff opened on one process and answered from the other ------------------------------------------


async def _ask_for_a_person(villager: WebVillager, process: MingbaiProcess) -> None:
    await villager.open_page(process)
    assert first_bubble(await villager.says(process, "老板欠我工资不给怎么办")).startswith("工资被拖欠")
    assert "转接人工" in first_bubble(await villager.says(process, action="handoff"))


async def _waiting_case(adviser: ConsoleAdviser, process: MingbaiProcess) -> int:
    queue = (await adviser.state(process))["queue"]
    assert [case["status"] for case in queue] == ["waiting"], f"the console on {process.name} shows {queue}"
    return queue[0]["id"]


async def test_an_advisers_reply_on_one_process_reaches_the_page_open_on_the_other(processes, tmp_path,
                                                                                   postgres_url):
    a, b = processes
    add_adviser("alice", tmp_path / "admin", postgres_url)
    async with WebVillager.opened() as villager, ConsoleAdviser.opened() as adviser:
        await _ask_for_a_person(villager, a)
        async with villager.live_page(a) as page:  # the page stays open, its socket on A
            await adviser.log_in(b, "alice")
            case = await _waiting_case(adviser, b)
            context = (await adviser.state(b, case))["case"]["context"]
            assert "老板欠我工资不给怎么办" in str(context), "the adviser sees what the villager asked"
            await adviser.reply(b, case, ADVISER_REPLY)
            await page.wait_for(ADVISER_REPLY, PUSH_SECONDS)
        for process in (a, b):  # delivered once, in the conversation whichever process a reload reaches
            assert replies_of_the_adviser(await villager.transcript(process)) == 1, f"on {process.name}"
        await villager.says(b, "拖欠了三个月了")
        events = (await adviser.state(b, case))["case"]["events"]
        assert ("villager", "拖欠了三个月了") in [(event["kind"], event["text"]) for event in events]


async def test_an_advisers_reply_on_one_process_answers_the_long_poll_waiting_on_the_other(processes, tmp_path,
                                                                                            postgres_url):
    """Where sockets do not get through, the page long-polls: a poll waiting on A gets the reply written on B."""
    a, b = processes
    add_adviser("alice", tmp_path / "admin", postgres_url)
    async with WebVillager.opened() as villager, ConsoleAdviser.opened() as adviser:
        await _ask_for_a_person(villager, a)
        await villager.poll(a, wait=0)  # what was pushed already (the place in the queue)
        waiting = asyncio.create_task(villager.poll_until(a, ADVISER_REPLY, PUSH_SECONDS + 3))
        await asyncio.sleep(0.5)  # the poll is waiting on A
        await adviser.log_in(b, "alice")
        await adviser.reply(b, await _waiting_case(adviser, b), ADVISER_REPLY)
        await waiting


# --- c. kill -9 of one process in the middle of a burst -----------------------------------------------------


async def test_a_burst_cut_short_by_kill_9_is_answered_once_by_the_other_process(tmp_path, postgres_url):
    async with mingbai_processes(tmp_path, postgres_url, burst_seconds=2) as (a, b):
        async with WebVillager.opened() as villager:
            welcome = await villager.open_page(a)
            fragments = ["老板跑了", "欠我工钱不给"]
            sent = []
            for fragment in fragments:  # typed faster than the burst window: A waits for more
                sent.append(villager.send(a, fragment))
                await asyncio.sleep(0.3)
            await a.kill()
            answers = []
            for (message_id, request), fragment in zip(sent, fragments, strict=True):
                try:  # an earlier fragment's request is done (no reply: the burst answers once)
                    answers.append(await request)
                except (aiohttp.ClientError, asyncio.TimeoutError):  # the page sends it again, same number
                    answers.append(await villager.says(b, fragment, message_id=message_id))
            answered = [answer for answer in answers if answer["replies"]]
            assert len(answered) == 1, f"one answer for the burst, got {answers}"
            assert first_bubble(answered[0]).startswith("工资被拖欠"), answered[0]
            expected = ([("bot", reply["text"]) for reply in welcome["replies"]]
                        + [("me", fragment) for fragment in fragments]
                        + [("bot", reply["text"]) for reply in answered[0]["replies"]])
            assert await villager.transcript(b) == expected


# --- d. nothing in a SQLite file ------------------------------------------------------------------------------


async def test_processes_on_postgresql_write_no_sqlite_file(tmp_path, postgres_url):
    """A county that set MINGBAI_DATABASE_URL keeps everything in PostgreSQL: a SQLite file left in a data folder
    would be data the other process cannot see (and a backup would miss)."""
    add_adviser("alice", tmp_path / "admin", postgres_url)
    async with mingbai_processes(tmp_path, postgres_url, burst_seconds=0.5) as (a, b):
        async with WebVillager.opened() as villager, ConsoleAdviser.opened() as adviser:
            await _ask_for_a_person(villager, a)
            await villager.says(b, "借钱不还怎么办")
            await adviser.log_in(b, "alice")
            await adviser.reply(a, await _waiting_case(adviser, a), ADVISER_REPLY)
            await villager.poll(b, wait=2)
        assert await a.stop() == 0 and await b.stop() == 0, f"{a.log()}\n{b.log()}"
    written = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*")
                     if ".sqlite" in path.name or path.suffix in (".db", ".sqlite3"))
    assert written == [], f"SQLite files beside a PostgreSQL database: {written}"


# --- e. the leader moves ------------------------------------------------------------------------------------


async def test_after_the_relaying_process_is_killed_an_advisers_reply_still_reaches_the_villager(tmp_path,
                                                                                              postgres_url):
    """The relay (and the pollers and timers) run in one process, the leader. Whichever of A and B leads, killing
    A and then (after C started) B kills the leader at least once; an adviser's reply written afterwards still
    reaches the villager's page, once."""
    add_adviser("alice", tmp_path / "admin", postgres_url)
    async with mingbai_processes(tmp_path, postgres_url) as (a, b):
        async with WebVillager.opened() as villager, ConsoleAdviser.opened() as adviser:
            await _ask_for_a_person(villager, a)
            await a.kill()
            c = await start_process("C", tmp_path / "C", postgres_url)
            try:
                await c.wait_until_up()
                await b.kill()  # B led since A's death (or before): now C must
                async with villager.live_page(c) as page:  # the page's socket closed: it reconnects, to C
                    await adviser.log_in(c, "alice")
                    await adviser.reply(c, await _waiting_case(adviser, c), ADVISER_REPLY)
                    await page.wait_for(ADVISER_REPLY, PUSH_SECONDS + 15)  # a takeover may wait for the lock
                assert replies_of_the_adviser(await villager.transcript(c)) == 1
            finally:
                await c.stop()
