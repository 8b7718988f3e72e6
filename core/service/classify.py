"""Which service types an order text is about: each type has a keyword list; a keyword
matches as a whole word, case-insensitive and umlaut-tolerant ("Raeder" finds "Räder",
"HU/AU" finds "HU"). One order may match several types; the matched words are kept so staff
see why an order counts (or excludes an invitation)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
Matches = dict[str, tuple[str, ...]]  # service type -> the keywords found


def fold(text: str) -> str:
    """Lower case with umlauts spelt out, so "Ölservice" and "Oelservice" compare equal."""
    return text.casefold().translate(_FOLD)


def parse_keywords(text: str) -> tuple[str, ...]:
    """A comma-separated keyword list as staff type it; blanks and repeats dropped."""
    seen: dict[str, str] = {}
    for word in text.split(","):
        word = " ".join(word.split())
        if word and fold(word) not in seen:
            seen[fold(word)] = word
    return tuple(seen.values())


@lru_cache(maxsize=64)
def _pattern(keyword: str) -> re.Pattern[str]:
    # Not \b: it fails next to "§"; a word is bounded by anything that is no letter/digit.
    return re.compile(rf"(?<![\w]){re.escape(fold(keyword))}(?![\w])")


class Classifier:
    """The keyword lists of every type, compiled once; texts repeat a lot (a million orders
    say "Inspektion" in a few hundred ways), so answers are cached per text."""

    def __init__(self, keywords: Mapping[str, tuple[str, ...]]) -> None:
        self.keywords = {key: tuple(words) for key, words in keywords.items()}
        self._cache: dict[str, Matches] = {}

    def matches(self, text: str) -> Matches:
        found = self._cache.get(text)
        if found is None:
            folded = fold(text or "")
            found = {}
            for service_type, words in self.keywords.items():
                hits = tuple(w for w in words if _pattern(w).search(folded))
                if hits:
                    found[service_type] = hits
            if len(self._cache) < 200_000:
                self._cache[text] = found
        return found

    def types(self, text: str) -> frozenset[str]:
        return frozenset(self.matches(text))


def describe(matches: Matches, labels: Mapping[str, str]) -> str:
    """"Inspektion/Wartung (Service, Ölservice); Reifenwechsel (Reifen)" for the vehicle page."""
    return "; ".join(f"{labels.get(t, t)} ({', '.join(words)})" for t, words in matches.items())
