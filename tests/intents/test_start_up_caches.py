"""What a start keeps in the cache folder besides the fitted models: jieba's dictionary and the training texts' words.

Both only save time: the matcher built from them answers exactly as one built from nothing."""

from __future__ import annotations

import dataclasses

import jieba
import numpy as np

from intents.features import FeatureExtractor
from intents.matcher import Matcher

QUESTIONS = ["遭骗了好几千块咋个办", "我老公又打我了", "今天天气怎么样", "how do i apply for legal aid", "包工头跑了工钱不给",
             "老板跑了三个月了，欠我八千块工钱，我该咋个办"]


def test_the_dictionary_read_from_the_cache_folder_is_jiebas_own(tmp_path, monkeypatch):
    monkeypatch.setenv("MINGBAI_CACHE_DIR", str(tmp_path))
    reference = jieba.Tokenizer()
    reference.initialize()
    reference.add_word("法律援助", freq=200_000)
    built = FeatureExtractor(("法律援助",))  # no file yet: built from jieba's dict.txt, then written
    (stored,) = tmp_path.glob("jieba-*.bin")
    read = FeatureExtractor(("法律援助",))
    for extractor in (built, read):
        assert extractor._tokenizer.FREQ == reference.FREQ and extractor._tokenizer.total == reference.total
    assert read.words("我想申请法律援助，老板欠我工钱不给") == built.words("我想申请法律援助，老板欠我工钱不给")

    stored.write_bytes(stored.read_bytes()[:1000])  # a damaged file is built again, not trusted
    assert FeatureExtractor(("法律援助",))._tokenizer.FREQ == reference.FREQ
    assert FeatureExtractor(("法律援助",))._tokenizer.FREQ == reference.FREQ


def test_after_an_faq_edit_only_the_edited_example_is_segmented(shipped_faq, tmp_path, monkeypatch):
    """The first start after an edit fits again, but reads the other texts' words from the cache folder."""
    monkeypatch.setenv("MINGBAI_CACHE_DIR", str(tmp_path))
    Matcher(shipped_faq)  # the start before the edit: models and words written
    intent = shipped_faq.intents["labor.wage"]
    added = "包工头卷铺盖跑路了我的血汗钱咋整"
    examples = {**intent.examples, "zh": (*intent.examples["zh"], added)}
    edited = dataclasses.replace(shipped_faq, intents={**shipped_faq.intents,
                                                       "labor.wage": dataclasses.replace(intent, examples=examples)})

    segmented = []
    words = FeatureExtractor._words
    monkeypatch.setattr(FeatureExtractor, "_words", lambda self, runs: segmented.append(runs) or words(self, runs))
    after_edit = Matcher(edited)
    assert ["".join(runs) for runs in segmented] == [after_edit.normalise(added)]  # once: both models learn it

    monkeypatch.undo()
    monkeypatch.setenv("MINGBAI_CACHE_DIR", "off")
    fresh = Matcher(edited)  # nothing cached at all
    for question in QUESTIONS + [added]:
        assert after_edit.match(question) == fresh.match(question)
        assert np.array_equal(after_edit.label_probabilities(question)[0], fresh.label_probabilities(question)[0])
        assert after_edit.triage(question) == fresh.triage(question)
