"""`mingbai chat`: the conversation core in a terminal, for admins trying their FAQ edits.

Buttons are printed as numbered choices; typing the number presses the button
(the core understands digits for every channel without buttons).
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.core.service import ChatService
from bot.messages import Incoming, Outcome

PROMPT = "你> "


def render(outcome: Outcome) -> str:
    lines = []
    number = 0
    for reply in outcome.replies:
        lines.append(reply.text.replace("**", ""))  # the terminal shows no bold
        for button in reply.all_buttons():
            number += 1
            lines.append(f"  [{number}] {button.label}")
        lines.append("")
    return "\n".join(lines)


async def chat(service: ChatService, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, user: str = "admin") -> None:
    """Read lines until end of input; print each outcome."""
    stdout.write("明白 mingbai — 输入问题，数字选择按钮，Ctrl-D 退出 / type a question, a number to choose, Ctrl-D to quit\n")
    outcome = await service.handle(Incoming("terminal", user, text="/start"))
    stdout.write(render(outcome))
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = await asyncio.get_running_loop().run_in_executor(None, stdin.readline)
        if not line:
            stdout.write("\n")
            return
        if line.strip():
            stdout.write(render(await service.handle(Incoming("terminal", user, text=line.strip()))))
