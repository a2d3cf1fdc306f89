"""The matcher understands the shipped FAQ, says when it does not, and never breaks on odd input."""

from __future__ import annotations

import ast
import time

import pytest
from hypothesis import given, settings, strategies as st

from intents.faq_loader import REQUIRED_INTENTS
from intents.matcher import Decision, Matcher
from tests.support import ROOT


def test_every_required_intent_is_shipped(shipped_faq):
    assert REQUIRED_INTENTS <= set(shipped_faq.intents)


def test_each_intent_recognises_its_own_examples(matcher, shipped_faq):
    wrong = [
        (intent.id, example, matcher.match(example).intent)
        for intent in shipped_faq
        for examples in intent.examples.values()
        for example in examples
        if matcher.match(example).intent != intent.id or matcher.match(example).kind == "fallback"
    ]
    assert wrong == []


@pytest.mark.parametrize(
    "question, intent",
    [
        ("遭骗了好几千块咋个办", "fraud.scammed"),
        ("我老公又打我了", "family.domestic_violence"),
        ("包工头跑了工钱不给", "labor.wage"),
        ("請問離婚要怎麼辦理", "family.divorce"),
        ("how do i apply for legal aid", "legal_aid.apply"),
    ],
)
def test_villager_phrasings_find_their_intent(matcher, question, intent):
    decision = matcher.match(question)
    assert decision.intent == intent and decision.kind != "fallback"


@pytest.mark.parametrize("question", ["今天天气怎么样", "猪肉好多钱一斤", "感冒了吃什么药", "asdfghjkl", "🙂"])
def test_out_of_scope_falls_back(matcher, question):
    assert matcher.match(question).kind == "fallback"


def test_empty_message_falls_back(matcher):
    assert matcher.match("").kind == "fallback"


def test_close_candidates_are_offered_as_choices():
    from intents.decision import Candidate, Thresholds, decide

    decision = decide(tuple(Candidate(i, s) for i, s in [("fraud.scammed", 0.61), ("fraud.loan", 0.6), ("chat.help", 0.2)]),
                      0.0, 0.0, Thresholds())
    assert decision.kind == "clarify" and decision.choices == ("fraud.scammed", "fraud.loan")


def test_an_unsure_best_guess_is_offered_beside_the_other_plausible_ones():
    from intents.decision import Candidate, Thresholds, decide

    limits = Thresholds(fallback_below=0.1, answer_from=0.3)
    scored = tuple(Candidate(i, s) for i, s in [("civil.debt", 0.26), ("labor.wage", 0.15), ("fraud.loan", 0.05)])
    decision = decide(scored, 0.0, 0.0, limits)
    assert decision.kind == "clarify" and decision.choices == ("civil.debt", "labor.wage")


def test_a_likely_guess_for_a_message_too_brief_to_name_a_topic_is_offered_not_asserted():
    from intents.decision import Candidate, Thresholds, decide

    scored = tuple(Candidate(i, s) for i, s in [("civil.debt", 0.9), ("labor.wage", 0.15), ("fraud.loan", 0.05)])
    assert decide(scored, 0.0, 0.0, Thresholds()).kind == "answer"
    brief = decide(scored, 0.0, 0.0, Thresholds(), brief=True)
    assert brief.kind == "clarify" and brief.choices == ("civil.debt", "labor.wage")


def test_one_character_is_asked_back_unless_an_admin_made_it_an_example(matcher):
    for character in "钱打地骗工伤离婚老":
        decision = matcher.match(character)
        assert decision.kind != "answer", f"{character} answered as {decision.intent}"
    assert matcher.match("好").kind == "answer"  # chat.thanks lists 好 itself


def test_decision_is_deterministic(matcher):
    assert matcher.match("我的钱被骗走了") == matcher.match("我的钱被骗走了")


def test_explain_shows_its_reasons(matcher):
    decision = matcher.match("遭骗了咋个办", explain=True)
    assert decision.evidence.normalised == "被骗了怎么办"
    assert "被骗" in decision.evidence.words
    assert decision.evidence.examples and decision.evidence.examples[0][0] == decision.intent


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_any_unicode_gives_a_decision_quickly(matcher, text):
    started = time.perf_counter()
    decision = matcher.match(text)
    assert isinstance(decision, Decision) and decision.kind in ("answer", "clarify", "fallback")
    assert 0.0 <= decision.score <= 1.0 + 1e-9
    assert time.perf_counter() - started < 0.5


def test_intents_package_imports_nothing_from_the_bot():
    forbidden = {"bot", "telegram", "aiohttp", "sqlite_utils", "psycopg"}
    for path in (ROOT / "intents").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            assert not {name.split(".")[0] for name in names} & forbidden, f"{path.name} imports {names}"


def test_shipped_thresholds_are_what_calibration_chooses(shipped_faq):
    """intents/data/thresholds.json is data written by `bench/calibrate.py --write`: an FAQ edit that moves the
    cross-validated choice must come with a recalibration (about 15 s)."""
    from intents.calibration import calibrate
    from intents.decision import calibrated

    chosen, shipped = calibrate(shipped_faq), calibrated()
    assert (chosen["fallback_below"], chosen["not_ours_from"]) == (shipped["fallback_below"], shipped["not_ours_from"]), \
        "run `python bench/calibrate.py --write` after changing the FAQ or the model"
    assert chosen == shipped


def test_eval_reports_the_high_confidence_subset(matcher):
    from intents.evaluate import Case, evaluate, format_report

    cases = [Case("遭骗了咋个办", "fraud.scammed", confidence="high"), Case("今天天气好不好", "none", confidence="high"),
             Case("我老公又打我了", "chat.thanks", confidence="medium")]
    report = evaluate(matcher, cases)
    assert report["top1"] == 0.5
    assert report["high_confidence"] == {"n": 2, "n_in_scope": 1, "n_out_of_scope": 1, "top1": 1.0, "top3": 1.0,
                                         "oos_rejection": 1.0, "false_fallback": 0.0}
    assert "high-confidence labels only: 2" in format_report(report)
    assert "high_confidence" not in evaluate(matcher, [Case("遭骗了咋个办", "fraud.scammed")])


def test_eval_precision_counts_an_accepted_alternative_for_the_intent_predicted(matcher):
    from intents.evaluate import Case, evaluate

    report = evaluate(matcher, [Case("遭骗了咋个办", "fraud.loan", also=("fraud.scammed",))])
    assert report["per_intent"]["fraud.scammed"]["precision"] == 1.0
    assert report["per_intent"]["fraud.loan"] == {"n": 1, "precision": 0.0, "recall": 1.0}


def test_a_cached_model_answers_exactly_as_a_fresh_fit(shipped_faq, tmp_path, monkeypatch):
    """The second start reads the fitted arrays from the cache folder (.npz, no pickle) instead of fitting again."""
    import numpy as np

    import intents.classifier as classifier

    monkeypatch.setenv("MINGBAI_CACHE_DIR", str(tmp_path))
    questions = ["遭骗了好几千块咋个办", "我老公又打我了", "今天天气怎么样", "how do i apply for legal aid", "包工头跑了工钱不给"]
    fresh = Matcher(shipped_faq)
    stored = sorted(tmp_path.glob("model-*.npz"))
    assert len(stored) == 2  # the intent model and the danger model

    def no_fitting(*args, **kwargs):
        raise AssertionError("fitted although the cache holds the model")

    monkeypatch.setattr(classifier.TextClassifier, "_fit_logistic", no_fitting)
    cached = Matcher(shipped_faq)
    for question in questions:
        assert cached.match(question) == fresh.match(question)
        assert np.array_equal(cached.label_probabilities(question)[0], fresh.label_probabilities(question)[0])
        assert cached.triage(question) == fresh.triage(question)
    assert cached.match("遭骗了咋个办", explain=True).evidence == fresh.match("遭骗了咋个办", explain=True).evidence

    for path in stored:  # a damaged file is fitted again, not trusted
        path.write_bytes(b"not a model")
    monkeypatch.undo()
    monkeypatch.setenv("MINGBAI_CACHE_DIR", str(tmp_path))
    assert Matcher(shipped_faq).match(questions[0]) == fresh.match(questions[0])


def test_the_cache_can_be_turned_off(shipped_faq, tmp_path, monkeypatch):
    monkeypatch.setenv("MINGBAI_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert Matcher(shipped_faq).match("遭骗了咋个办").intent == "fraud.scammed"
    assert not list(tmp_path.rglob("*.npz"))


def test_libyaml_reads_the_shipped_faq_as_the_pure_loader_does():
    """Start-up reads the FAQ with libyaml; its mappings and lists must carry the same values and line numbers."""
    import yaml

    from intents import yaml_lines

    assert yaml_lines._FastLineLoader is not None, "PyYAML without libyaml: the FAQ is read five times slower"

    def shape(node):
        if isinstance(node, dict):
            return node.line, [(key, node.line_of(key), shape(value)) for key, value in node.items()]
        if isinstance(node, list):
            return node.line, node.item_lines, [shape(value) for value in node]
        return node

    root = ROOT / "faq"
    for path in sorted(root.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert shape(yaml.load(text, Loader=yaml_lines._FastLineLoader)) == shape(yaml.load(text, Loader=yaml_lines._LineLoader)), path


def test_the_scorers_weights_are_checked_data():
    """intents/data/matcher.json names each scorer's weight; a file that does not is refused with what to write."""
    from intents.decision import settings
    from intents.scorers import checked_weights

    assert checked_weights(settings()["scorers"]) == {"whole_message": 0.8, "asking_clause": 0.2}
    with pytest.raises(ValueError, match="asking_clause"):
        checked_weights({"whole_message": 1.0, "last_sentence": 0.0})
    with pytest.raises(ValueError, match="summing to 1"):
        checked_weights({"whole_message": 0.8, "asking_clause": 0.8})


@pytest.mark.parametrize(
    "question, intent",
    [
        ("你好律师，请问工钱不给咋个办", "labor.wage"),
        ("您好，在吗？我想咨询一下离婚的事", "family.divorce"),
        ("你好", "chat.greeting"),
    ],
)
def test_a_polite_opening_does_not_hide_the_question(matcher, question, intent):
    assert matcher.match(question).intent == intent
