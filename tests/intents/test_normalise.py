"""The many ways villagers write one question come out as one canonical text."""

from __future__ import annotations

import pytest

from intents.faq import Lexicon
from intents.normalise import Normaliser


@pytest.fixture(scope="module")
def normalise(shipped_faq):
    return Normaliser(shipped_faq.lexicon)


@pytest.mark.parametrize(
    "typed, canonical",
    [
        ("遭騙了咋個辦", "被骗了怎么办"),  # traditional characters and Sichuanese
        ("遭骗了咋个办嘛！！！😭", "被骗了怎么办"),  # particles, punctuation runs, emoji
        ("ＡＢＣ１２３４８", "abc12348"),  # full-width letters and digits
        ("我被炸骗了", "我被诈骗了"),  # homophone typo
        ("法援找哪个", "法律援助找谁"),  # abbreviation and dialect
        ("老板托欠工资，没得钱", "老板拖欠工资 没有钱"),
        ("  Legal,   AID?? ", "legal aid"),
    ],
)
def test_variants_become_one_text(normalise, typed, canonical):
    assert normalise(typed) == canonical


def test_particle_inside_a_word_is_kept(normalise):
    assert normalise("撒谎的人") == "撒谎的人"


def test_admin_may_write_dialect_keys_in_traditional_script():
    normalise = Normaliser(Lexicon(replace={"遭騙": "被骗"}))
    assert normalise("遭骗了") == "被骗了"


@pytest.mark.parametrize(
    "typed, canonical",
    [
        ("你好律师，请问工钱不给咋个办", "工钱不给怎么办"),  # a run of openers before the question
        ("您好，我想咨询一下离婚的事", "离婚的事"),
        ("Hello, how do I apply for legal aid", "how do i apply for legal aid"),
        ("律师费哪个出", "律师费哪个出"),  # 律师， opens a message only before a pause
        ("hiking trip insurance", "hiking trip insurance"),  # hi is an opener only as a word
        ("你好", "你好"),  # an opener alone is the greeting itself
        ("请问", "请问"),
    ],
)
def test_courtesy_openers_are_dropped_only_before_a_question(normalise, typed, canonical):
    assert normalise(typed) == canonical
