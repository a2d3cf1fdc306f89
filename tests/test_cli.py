"""The `mingbai` command as an admin or a script uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support import ROOT


def mingbai(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=ROOT)


def test_match_json_has_the_documented_shape():
    result = mingbai("match", "遭骗了咋个办", "--json")
    payload = json.loads(result.stdout)
    assert set(payload) == {"intent", "score", "decision", "out_of_scope", "alternatives"}
    assert payload["intent"] == "fraud.scammed" and payload["decision"] in ("answer", "clarify")
    assert all(set(a) == {"intent", "score"} for a in payload["alternatives"])


def test_match_explain_prints_normalised_text_and_examples():
    result = mingbai("match", "遭騙了咋個辦", "--explain")
    assert "normalised: 被骗了怎么办" in result.stdout and "closest examples:" in result.stdout


def test_match_explain_says_which_typo_it_read_as_the_faq_word():
    result = mingbai("match", "善样老人是谁的义务", "--explain")
    assert "read as:    善样 → 赡养" in result.stdout
    assert "read as" not in mingbai("match", "赡养老人是谁的义务", "--explain").stdout


def test_eval_json_reports_the_documented_keys(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        '{"text": "遭骗了咋个办", "intent": "fraud.scammed"}\n'
        '{"text": "今天天气好不好", "intent": "none"}\n'
        '{"text": "我想找个真人", "intent": "chat.help", "also": ["handoff.request"]}\n',
        encoding="utf-8",
    )
    report = json.loads(mingbai("eval", str(cases), "--json").stdout)
    assert {"n", "top1", "top3", "oos_rejection", "false_fallback", "per_intent", "misses"} <= set(report)
    assert report["n"] == 3 and report["top1"] == 1.0 and report["oos_rejection"] == 1.0


def test_eval_measures_several_files_each_under_its_name(tmp_path):
    scams, weather = tmp_path / "scams.jsonl", tmp_path / "weather.jsonl"
    scams.write_text('{"text": "遭骗了咋个办", "intent": "fraud.scammed"}\n', encoding="utf-8")
    weather.write_text('{"text": "今天天气好不好", "intent": "none"}\n', encoding="utf-8")
    reports = json.loads(mingbai("eval", str(scams), str(weather), "--json").stdout)
    assert reports[str(scams)]["top1"] == 1.0 and reports[str(scams)]["n_out_of_scope"] == 0
    assert reports[str(weather)]["oos_rejection"] == 1.0 and reports[str(weather)]["n_in_scope"] == 0
    text = mingbai("eval", str(scams), str(weather)).stdout
    assert text.index(f"== {scams} ==") < text.index(f"== {weather} ==") and text.count("top-1 accuracy") == 2


def test_eval_names_a_bad_line(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"text": "x", "intent": "none"}\nnot json\n', encoding="utf-8")
    result = mingbai("eval", str(cases))
    assert result.returncode == 2 and f"{cases}:2:" in result.stderr


def test_faq_dump_exports_every_intent_as_loaded(shipped_faq):
    dumped = json.loads(mingbai("faq", "dump", "--json").stdout)
    assert {item["id"] for item in dumped} == set(shipped_faq.intents)
    scammed = next(item for item in dumped if item["id"] == "fraud.scammed")
    assert scammed["urgent"] is True and scammed["answer"]["zh"] and scammed["examples"]["en"]
    assert scammed["review_due"] and scammed["sources"]


def test_a_wrong_setting_is_named_and_help_still_works(tmp_path):
    env = {**os.environ, "MINGBAI_WEB_PORT": "abc"}
    help_page = subprocess.run([sys.executable, "-m", "bot.cli", "--help"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert help_page.returncode == 0 and "usage: mingbai" in help_page.stdout
    check = subprocess.run([sys.executable, "-m", "bot.cli", "faq", "check"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert check.returncode == 2 and "MINGBAI_WEB_PORT='abc'" in check.stderr and "Traceback" not in check.stderr
