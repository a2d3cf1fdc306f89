"""One function says what an FAQ folder holds (review J3): `mingbai faq check`, the start-up, a reload and
`mingbai faq reload` see the same files and the same problems, the advisers' templates among them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.content.folder import Content, check_folder, load_content
from bot.core.service import ChatService
from intents.faq_loader import FaqError
from tests.support import ROOT, settings_for
from tests.support.faq_files import copy_shipped_faq

BROKEN_TEMPLATE = "templates:\n  greeting:\n    title: 问候\n"  # no `zh:` text


@pytest.fixture
def faq_dir(tmp_path):
    return copy_shipped_faq(tmp_path / "faq")


def test_the_shipped_folder_loads_whole(faq_dir):
    content, problems = load_content(faq_dir)
    assert isinstance(content, Content) and not [p for p in problems if p.severity == "error"]
    assert content.templates.names() and content.flows.ids() and "legal_aid.eligibility" in content.faq


def test_check_and_load_report_the_same_problems_of_every_part(faq_dir):
    (faq_dir / "templates.yaml").write_text(BROKEN_TEMPLATE, encoding="utf-8")
    (faq_dir / "places.yaml").write_text("areas: nonsense\n", encoding="utf-8")
    _, checked = check_folder(faq_dir)
    content, loaded = load_content(faq_dir)
    assert content is None and checked == loaded
    assert {p.file for p in checked if p.severity == "error"} >= {str(faq_dir / "templates.yaml"), str(faq_dir / "places.yaml")}


async def test_a_reload_with_a_broken_template_keeps_everything_serving(tmp_path, faq_dir):
    service = ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(faq_dir), "MINGBAI_DATA_DIR": str(tmp_path)}))
    try:
        before, faq = service.templates, service.conversation.faq
        (faq_dir / "templates.yaml").write_text(BROKEN_TEMPLATE, encoding="utf-8")
        problems = await service.reload_faq()
        assert any(p.file == str(faq_dir / "templates.yaml") for p in problems)
        assert service.templates is before and service.conversation.faq is faq
    finally:
        await service.close()


def test_the_service_does_not_start_on_a_broken_template(tmp_path, faq_dir):
    """As with a broken intent file: nothing serves a folder that `mingbai faq check` refuses."""
    (faq_dir / "templates.yaml").write_text(BROKEN_TEMPLATE, encoding="utf-8")
    with pytest.raises(FaqError):
        ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(faq_dir), "MINGBAI_DATA_DIR": str(tmp_path)}))


def test_faq_reload_names_a_broken_template_and_asks_no_server(tmp_path, faq_dir):
    (faq_dir / "templates.yaml").write_text(BROKEN_TEMPLATE, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot.cli", "--faq", str(faq_dir), "faq", "reload"], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, "MINGBAI_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1 and f"{faq_dir / 'templates.yaml'}:" in result.stderr
    assert "keeps its current FAQ" in result.stderr


def test_the_intent_loader_skips_every_file_the_content_folder_reads_itself():
    """intents/ may not import bot/, so it names the non-intent files of faq/ again (NOT_GROUP_FILES); a file the
    content folder reads that the intent loader does not skip would be read as a broken intent group."""
    from bot.content import folder
    from intents.faq_loader import NOT_GROUP_FILES

    assert {folder.PLACES, folder.TEMPLATES, folder.SITE} <= NOT_GROUP_FILES
