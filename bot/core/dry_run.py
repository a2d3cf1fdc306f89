"""What the bot would say: whole-core answers to messages, each as a fresh villager's first message.

`mingbai answer` uses this so admins can try an FAQ or triage edit, and the
held-out checks can run the real conversation core, without touching the
real database: every run works in a throwaway SQLite file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from bot.content.folder import load_content
from bot.core.conversation import Conversation
from bot.handoff.desk import HandoffDesk
from bot.messages import Incoming
from bot.storage.store import Store
from intents.problems import FaqError


def answers(faq_dir: Path, messages: Iterable[str]) -> Iterator[dict]:
    """One {"text", "danger", "intent", "decision", "replies"} record per message, in order."""
    content, problems = load_content(faq_dir)
    if content is None:
        raise FaqError([p for p in problems if p.severity == "error"])
    with tempfile.TemporaryDirectory(prefix="mingbai-answer-") as scratch:
        store = Store(Path(scratch) / "answer.sqlite")
        conversation = Conversation(content.faq, content.matcher, store, content.flows, content.places,
                                    HandoffDesk(store.cases), counties=content.counties)
        for number, message in enumerate(messages):
            yield _answer(conversation, content.matcher, f"answer-{number}", message)
        store.close()


def _answer(conversation: Conversation, matcher, villager: str, message: str) -> dict:
    outcome = conversation.handle(Incoming("terminal", villager, text=message))
    found = matcher.triage(message)
    decision = matcher.match(message)
    return {
        "text": message,
        "danger": found.kind.id if found else None,
        "intent": decision.intent if decision.kind != "fallback" else None,
        "decision": f"danger:{found.kind.id}" if found else decision.kind,
        "replies": [{"text": reply.text, "buttons": [button.label for button in reply.all_buttons()]}
                    for reply in outcome.replies],
    }
