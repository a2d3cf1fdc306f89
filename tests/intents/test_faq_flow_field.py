"""An intent's `flow:` (faq/*.yaml) says which guided check its answer offers: data admins edit, checked with
file:line, not an intent id in the core."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from bot.content.folder import check_folder
from bot.core.service import ChatService
from tests.support import ROOT, settings_for
from tests.support.core import Villager, actions
from tests.support.faq_files import copy_shipped_faq, valid_intent, write_group


@pytest.fixture
def faq_dir(tmp_path):
    return copy_shipped_faq(tmp_path / "faq")


def test_a_flow_that_is_not_in_the_flows_folder_is_refused_with_its_line(faq_dir):
    path = write_group(faq_dir, "extra", [valid_intent("extra.one", flow="legal_aid_eligibilty")])
    _, problems = check_folder(faq_dir)
    [problem] = [p for p in problems if "extra.one.flow" in p.message]
    assert problem.file == str(path) and problem.line > 0 and problem.severity == "error"
    assert "legal_aid_eligibility" in problem.message, "the message names the flows there are"


def test_a_flow_id_that_is_not_an_id_is_refused_with_the_fields_line(faq_dir):
    path = write_group(faq_dir, "extra", [valid_intent("extra.one", flow=["legal_aid_eligibility"])])
    _, problems = check_folder(faq_dir)
    [problem] = [p for p in problems if "extra.one.flow" in p.message]
    assert problem.file == str(path)
    assert path.read_text(encoding="utf-8").splitlines()[problem.line - 1].strip().startswith("flow:")


def test_faq_check_names_the_file_and_line_of_an_unknown_flow(faq_dir):
    path = write_group(faq_dir, "extra", [valid_intent("extra.one", flow="nope")])
    result = subprocess.run([sys.executable, "-m", "bot.cli", "faq", "check", str(faq_dir)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{path}:" in result.stderr + result.stdout and "extra.one.flow" in result.stderr + result.stdout


async def test_the_answer_whose_intent_names_a_flow_offers_it_and_another_does_not(tmp_path, faq_dir):
    """Moving `flow:` to another intent moves the button: the core reads the field, not an id of its own."""
    path = faq_dir / "legal_aid.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    flow: legal_aid_eligibility" in text
    document = yaml.safe_load(text)
    for intent in document["intents"]:
        intent.pop("flow", None)
        if intent["id"] == "legal_aid.apply":
            intent["flow"] = "legal_aid_eligibility"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    service = ChatService.open(settings_for({"MINGBAI_FAQ_DIR": str(faq_dir), "MINGBAI_DATA_DIR": str(tmp_path)}))
    try:
        villager = Villager(service)
        assert "flowstart:legal_aid_eligibility" in actions(await villager.presses("intent:legal_aid.apply"))
        assert "flowstart:legal_aid_eligibility" not in actions(await villager.presses("intent:legal_aid.eligibility"))
    finally:
        await service.close()


async def test_the_shipped_eligibility_answer_and_the_welcome_offer_the_check(service):
    villager = Villager(service)
    [answer] = await villager.presses("intent:legal_aid.eligibility")
    assert "flowstart:legal_aid_eligibility" in actions([answer])
    [welcome] = await villager.says("/start")
    assert actions([welcome])[0] == "flowstart:legal_aid_eligibility"
