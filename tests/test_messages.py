"""The shared message types keep their own promises: a channel can only hand the core a kind of content the core
has a reply for (`CONTENT_KINDS`; tests/test_robustness.py answers each)."""

from __future__ import annotations

import pytest

from bot.messages import CONTENT_KINDS, Incoming


def test_a_kind_of_content_the_core_does_not_know_is_refused_where_the_message_is_made():
    with pytest.raises(ValueError, match="'gif' is not one of text, photo"):
        Incoming("telegram", "1", content="gif")
    assert [Incoming("telegram", "1", content=kind).content for kind in CONTENT_KINDS] == list(CONTENT_KINDS)
