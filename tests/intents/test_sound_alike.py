"""A word typed with the right sound in the wrong characters is read as the FAQ's word (intents.sound_alike)."""

import math

import numpy as np
import pytest

from intents.sound_alike import SoundAlikes, readings, sound


def alikes(document_counts: dict[str, int], dictionary_words=(), rewritten=None) -> SoundAlikes:
    """SoundAlikes over features named like a model's, each in this many of 100 training texts."""
    names = list(document_counts)
    idf = np.array([math.log(101 / (1 + document_counts[name])) + 1 for name in names])
    return SoundAlikes({name: column for column, name in enumerate(names)}, idf, set(dictionary_words).__contains__,
                       rewritten or {})


def test_the_table_gives_each_character_its_commonest_reading():
    table = readings()
    assert sound("社保", table) == sound("社宝", table) == "she bao "
    assert sound("拒绝", table) == sound("剧绝", table) == "ju jue "
    assert sound("a1", table) is None


def test_an_unknown_spelling_is_read_as_the_word_that_sounds_the_same():
    model = alikes({"w:社保": 40, "b:社保": 40})
    assert model.repair("w:社宝") == "w:社保" and model.repair("b:社宝") == "b:社保"
    assert model.repair("c:宝") is None  # a single character's sound-alikes are too many


def test_of_several_known_spellings_only_a_clearly_commoner_one_is_guessed():
    clear = alikes({"w:工伤": 60, "b:工伤": 60, "w:工商": 4, "b:工商": 4})
    assert clear.repair("b:公伤") == "b:工伤"
    close = alikes({"w:工伤": 6, "b:工伤": 6, "w:工商": 4, "b:工商": 4})
    assert close.repair("b:公伤") is None


def test_a_real_word_and_a_bigram_that_is_no_word_are_left_alone():
    model = alikes({"w:法典": 10, "b:法典": 10, "b:水线": 10}, dictionary_words={"发电"})
    assert model.repair("w:发电") is None  # a word of its own, not a typo of 法典
    assert model.repair("b:谁现") is None  # 水线 is a bigram the FAQ has, but no word of it


def test_a_sound_the_normaliser_rewrites_to_other_words_is_not_guessed():
    """法援 is rewritten to 法律援助 before any model sees it, so 法源 may mean it as well as the FAQ's 法院."""
    court = {"w:法院": 30, "b:法院": 30}
    assert alikes(court).repair("w:法源") == "w:法院"
    assert alikes(court, rewritten={"法援": "法律援助"}).repair("w:法源") is None
    support = {"w:赡养": 30, "b:赡养": 30}
    assert alikes(support, rewritten={"善养": "赡养"}).repair("w:善样") == "w:赡养"  # a typo fix of the same sound


@pytest.mark.parametrize(("typed", "meant"), [("善样老人是谁的义务", "赡养老人是谁的义务"),
                                              ("宅积地纠纷咋个办", "宅基地纠纷咋个办")])
def test_a_villager_s_pinyin_typo_gets_the_answer_of_the_right_spelling(matcher, typed, meant):
    right = matcher.match(meant)
    assert right.kind == "answer"
    typo = matcher.match(typed)
    assert (typo.kind, typo.intent) == ("answer", right.intent)
