"""Which intent a message is about, how sure we are, and what to do about it.

A pipeline of three steps, each in its own module:
1. `intents.normalise`: the text as the model reads it (simplified script,
   the FAQ lexicon's dialect words and typos mapped to standard ones);
2. `intents.scorers`: label probabilities from named scorers (the whole
   message, its asking clause), blended with weights that are data;
3. `intents.decision`: answer, clarify or fall back, by thresholds that are
   data written by the calibration step (`bench/calibrate.py --write`).
Everything is built once, in the constructor; `match` only reads, so one
Matcher serves every thread. `mingbai match --explain` shows every step.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from intents.decision import SETTINGS, Candidate, Decision, Evidence, Thresholds, decide
from intents.faq import Faq
from intents.features import FeatureExtractor
from intents.normalise import shared_normaliser
from intents.scorers import NOT_OURS_LEGAL, NOT_OURS_OTHER, MessageScorer, TrainingSet
from intents.triage import Triage

MAX_QUERY_CHARS = 1000  # a story longer than this is matched on its first 1,000 characters


@lru_cache(maxsize=2)
def _feature_extractor(terms: tuple[str, ...], rewritten: tuple[tuple[str, str], ...]) -> FeatureExtractor:
    return FeatureExtractor(terms, rewritten)


class Matcher:
    """Built once from a Faq; `match(text)` returns a Decision. Thread-safe for reading."""

    def __init__(self, faq: Faq, thresholds: Thresholds | None = None):
        self.faq = faq
        self.thresholds = thresholds or Thresholds()
        self.normalise = shared_normaliser(faq.lexicon)
        self._features = _feature_extractor(faq.lexicon.terms, tuple(faq.lexicon.replace.items()))
        # Legal questions outside the FAQ (打架判几年) stay out: too close to real emergencies to learn as safe.
        ordinary = tuple(example for intent in faq if not intent.urgent for examples in intent.examples.values()
                         for example in examples) + faq.out_of_scope.other
        self.triage = Triage(faq.triage, self.normalise, self._features, ordinary)
        self._training = TrainingSet.from_faq(faq, self.normalise, self.thresholds.out_of_scope_weight)
        self._exact: dict[str, str] = {}  # normalised example -> its intent
        for text, label in zip(self._training.texts, self._training.labels, strict=True):
            if not label.startswith("none."):
                self._exact.setdefault(text, label)
        self._scorer = MessageScorer(self._training, self._features, regularisation=SETTINGS["regularisation"],
                                     weights=SETTINGS["scorers"])
        self._features.end_training()
        labels = self._scorer.labels
        self._intent_columns = self._scorer.intent_columns
        self._legal_column = labels.index(NOT_OURS_LEGAL) if NOT_OURS_LEGAL in labels else None
        self._other_column = labels.index(NOT_OURS_OTHER) if NOT_OURS_OTHER in labels else None

    @property
    def labels(self) -> list[str]:
        """The model's labels, the intents' and the "not ours" ones, in the columns' order."""
        return self._scorer.labels

    def match(self, text: str, *, explain: bool = False) -> Decision:
        scored = self.scores(text)
        if scored is None:
            return Decision("fallback", (), out_of_scope="other")
        candidates, legal, other, normalised, clause = scored
        evidence = self._evidence(normalised, candidates, clause, legal + other) if explain else None
        brief = len(normalised) < self.thresholds.assert_from_chars and normalised not in self._exact
        return decide(candidates, legal, other, self.thresholds, evidence, brief=brief)

    def label_probabilities(self, text: str) -> tuple[np.ndarray, str, str] | None:
        """(one probability per label in `labels` order, normalised text, best clause), or None for a message with
        nothing to match: what `scores` ranks, whole (bench/semantic_stage.py blends it with another model's)."""
        message = text[:MAX_QUERY_CHARS]
        normalised = self.normalise(message)
        if self._scorer.model is None or not normalised:
            return None
        probabilities, clause = self._scorer.probabilities(message, normalised, self.normalise)
        if normalised in self._exact:  # an admin's own example is answered as they labelled it
            probabilities = np.zeros_like(probabilities)
            probabilities[self.labels.index(self._exact[normalised])] = 1.0
        return probabilities, normalised, clause

    def scores(self, text: str) -> tuple[tuple[Candidate, ...], float, float, str, str] | None:
        """(candidates best first, P(none.legal), P(none.other), normalised text, best clause) before any
        threshold, or None for a message with nothing to match (`bench/calibrate.py` reads these)."""
        read = self.label_probabilities(text)
        if read is None:
            return None
        probabilities, normalised, clause = read
        order = self._intent_columns[np.argsort(-probabilities[self._intent_columns], kind="stable")][:5]
        candidates = tuple(Candidate(self.labels[i], float(probabilities[i])) for i in order)
        legal = float(probabilities[self._legal_column]) if self._legal_column is not None else 0.0
        other = float(probabilities[self._other_column]) if self._other_column is not None else 0.0
        return candidates, legal, other, normalised, clause

    def _evidence(self, normalised: str, candidates, clause: str, not_ours: float) -> Evidence:
        model = self._scorer.model
        nearest = model.nearest_examples(normalised, 8)
        examples = tuple((self._training.labels[i], self._training.shown[i], round(cosine, 4)) for i, cosine in nearest)
        features = tuple(model.explain(normalised, candidates[0].intent)) if candidates else ()
        return Evidence(normalised, tuple(self._features.words(normalised)), examples, features, clause, round(not_ours, 4),
                        tuple(model.sound_alikes(normalised)))
