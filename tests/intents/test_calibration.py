"""The threshold choice stays put through an FAQ edit that does not really change the trade-off."""

from intents.calibration import STABLE_WITHIN, Row, best


def _rows(in_force_right: float, other_right: float, in_force_rejected: float = 0.91) -> list[Row]:
    return [Row(0.12, 0.7, in_force_right, 0.05, in_force_rejected), Row(0.08, 0.6, other_right, 0.04, 0.91),
            Row(0.04, 0.2, 0.99, 0.01, 0.50)]  # answers most, rejects far too little: never chosen


def test_the_pair_in_force_stays_when_another_is_better_only_by_noise():
    chosen = best(_rows(0.880, 0.880 + STABLE_WITHIN / 2), 0.9, in_force=(0.12, 0.7))
    assert (chosen.fallback_below, chosen.not_ours_from) == (0.12, 0.7)


def test_a_clearly_better_pair_replaces_the_one_in_force():
    chosen = best(_rows(0.880, 0.880 + 2 * STABLE_WITHIN), 0.9, in_force=(0.12, 0.7))
    assert (chosen.fallback_below, chosen.not_ours_from) == (0.08, 0.6)


def test_a_pair_in_force_that_no_longer_rejects_enough_is_replaced():
    chosen = best(_rows(0.885, 0.880, in_force_rejected=0.89), 0.9, in_force=(0.12, 0.7))
    assert (chosen.fallback_below, chosen.not_ours_from) == (0.08, 0.6)


def test_without_a_pair_in_force_the_best_one_wins():
    chosen = best(_rows(0.880, 0.881), 0.9)
    assert (chosen.fallback_below, chosen.not_ours_from) == (0.08, 0.6)
