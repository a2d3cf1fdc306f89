"""Writing small FAQ folders for tests: one valid intent, then the tests break it on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.support import ROOT


def valid_intent(intent_id: str = "mediation.about", **changes) -> dict:
    intent = {
        "id": intent_id,
        "title": {"zh": "人民调解是什么", "en": "What is people's mediation?"},
        "urgent": False,
        "handoff": "offer",
        "examples": {
            "zh": [f"{intent_id} 调解问题 {n}" for n in range(20)],
            "en": [f"{intent_id} mediation question {n}" for n in range(5)],
        },
        "answer": {"zh": "人民调解不收费。", "en": "People's mediation is free."},
        "short": {"zh": "人民调解不收费。", "en": "People's mediation is free."},
        "sources": [{"zh": "《人民调解法》第4条", "en": "People's Mediation Law art. 4"}],
        "follow_ups": [],
        "reviewed_by": "test",
        "review_due": "2099-01-01",
    }
    intent.update(changes)
    return intent


def write_group(directory: Path, group: str, intents: list[dict], name: str | None = None) -> Path:
    """Write one group file (YAML) holding `intents`; returns its path."""
    path = directory / (name or f"{group}.yaml")
    document = {"group": group, "title": {"zh": group, "en": group}, "intents": intents}
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def copy_shipped_faq(target: Path) -> Path:
    """A private copy of the shipped faq/ folder that a test may edit."""
    shutil.copytree(ROOT / "faq", target)
    return target
