"""Administrative synonyms as data: "thừa biên chế" and "dôi dư" become one word before comparing.

Officials write one difficulty with different administrative vocabulary (dôi dư / dư thừa / thừa
biên chế; sắp xếp / sáp nhập / hợp nhất; chế độ / chính sách; trụ sở / cơ sở vật chất), so
paraphrases share few words. The thesaurus (data/thesaurus.json, extended by moderators' synonym
lessons in the database) maps every phrase of a concept to the concept's first phrase, and
abbreviations (UBND, CCCD, NVQS…) to their words, before texts are vectorised or routed.

Diacritics decide when they are there: a phrase written with diacritics matches a word typed
with diacritics only if the marks agree (so "chợ" is not the filler "cho", "con dấu" is not
"còn đâu"), and matches a word typed without diacritics by its bare form. Marks are compared as a
set, so the old and new tone placements (hoà / hòa) agree.
"""

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "data" / "thesaurus.json"

WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Token:
    """One typed word: its bare form, and its marks (empty when typed without diacritics)."""

    bare: str
    marks: str

    def matches(self, other: "Token") -> bool:
        """`other` is a thesaurus word: equal bare forms, and equal marks where this one has any."""
        return self.bare == other.bare and (not self.marks or self.marks == other.marks)


_token_cache: dict[str, Token] = {}


def token(word: str) -> Token:
    """The Token of one lower-case word (cached: the vocabulary is small)."""
    found = _token_cache.get(word)
    if found is not None:
        return found
    marks = ["đ"] if "đ" in word else []
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d"))
    bare = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            marks.append(ch)
        else:
            bare.append(ch)
    made = Token("".join(bare), "".join(sorted(marks)))
    if len(_token_cache) < 200_000:
        _token_cache[word] = made
    return made


def tokens(text: str) -> list[Token]:
    """The words of `text`, lower-cased, as Tokens."""
    return [token(w) for w in WORD.findall(unicodedata.normalize("NFC", text).lower())]


def _phrase(text: str) -> tuple[Token, ...]:
    return tuple(tokens(text))


def _canonical(phrase: Sequence[Token]) -> str:
    return "_".join(t.bare for t in phrase)


@dataclass
class Thesaurus:
    """Concepts (lists of phrases, the first one canonical) and abbreviations, ready to match."""

    # first bare word → [(phrase, canonical term)], longest phrase first
    phrases: dict[str, list[tuple[tuple[Token, ...], str]]] = field(default_factory=dict)
    abbreviations: dict[str, tuple[Token, ...]] = field(default_factory=dict)
    # bare canonical term → the concept's phrases, so lessons can add to a concept
    concepts: dict[str, list[str]] = field(default_factory=dict)
    # terms that set the scene in nearly every question (xã, sắp xếp, cũ…): weighed lightly
    context: frozenset[str] = frozenset()

    @classmethod
    def from_data(
        cls, concepts: Iterable[Sequence[str]], abbreviations: dict[str, str] | None = None
    ) -> "Thesaurus":
        made = cls()
        for short, long in (abbreviations or {}).items():
            made.abbreviations[token(short.lower()).bare] = _phrase(long)
        for concept in concepts:
            made.add_concept(concept)
        return made

    def add_concept(self, concept: Sequence[str]) -> None:
        """Add phrases as one concept; a phrase already known keeps its first concept."""
        phrases = [p for p in (_phrase(c) for c in concept) if p]
        if not phrases:
            return
        canonical = _canonical(phrases[0])
        known = self.concept_of(phrases[0])
        if known is not None:
            canonical = known
        self.concepts.setdefault(canonical, []).extend(concept)
        for phrase in phrases:
            if self.concept_of(phrase) is not None:
                continue
            entries = self.phrases.setdefault(phrase[0].bare, [])
            entries.append((phrase, canonical))
            entries.sort(key=lambda entry: len(entry[0]), reverse=True)

    def add_fillers(self, fillers: Iterable[str]) -> None:
        """Phrases that carry no topic ("thực hiện", "trên địa bàn"): matched, then dropped."""
        for filler in fillers:
            phrase = _phrase(filler)
            if phrase and self.concept_of(phrase) is None:
                entries = self.phrases.setdefault(phrase[0].bare, [])
                entries.append((phrase, ""))
                entries.sort(key=lambda entry: len(entry[0]), reverse=True)

    def concept_of(self, phrase: Sequence[Token]) -> str | None:
        for known, canonical in self.phrases.get(phrase[0].bare, ()):
            if known == tuple(phrase):
                return canonical
        return None

    def with_synonyms(self, pairs: Iterable[tuple[str, str]]) -> "Thesaurus":
        """A copy where each (phrase, known phrase) pair joins the known phrase's concept."""
        copy = Thesaurus(
            phrases={k: list(v) for k, v in self.phrases.items()},
            abbreviations=dict(self.abbreviations),
            concepts={k: list(v) for k, v in self.concepts.items()},
            context=self.context,
        )
        for phrase, other in pairs:
            copy.add_concept([other, phrase])
        return copy

    def expand(self, words: Sequence[Token]) -> list[Token]:
        out: list[Token] = []
        for word in words:
            long = self.abbreviations.get(word.bare) if len(word.bare) <= 8 else None
            if long is not None:
                out.extend(long)
            else:
                out.append(word)
        return out

    def terms(self, words: Sequence[Token], *, accent_aware: bool = True) -> list[str]:
        """The content terms of `words` in order: each matched phrase as its concept's canonical
        term ("doi_du"), other words bare, fillers (words and filler phrases) dropped.

        In a text typed with diacritics a word without marks really has none ("cho" is not
        "chợ"); in a text typed without them a bare word matches any marks, except that a
        one-word phrase never matches a bare filler ("cho" stays the filler, not "chợ").
        """
        words = self.expand(words)
        marked = sum(1 for w in words if w.marks)
        lenient = not accent_aware or marked < 0.2 * len(words)
        out: list[str] = []
        i, n = 0, len(words)
        phrases = self.phrases
        while i < n:
            word = words[i]
            for phrase, canonical in phrases.get(word.bare, ()):
                size = len(phrase)
                if i + size > n:
                    continue
                if lenient:
                    if size == 1 and not word.marks and word.bare in FILLER_BARE:
                        continue
                    ok = all(
                        words[i + j].bare == phrase[j].bare
                        and (not words[i + j].marks or words[i + j].marks == phrase[j].marks)
                        for j in range(size)
                    )
                else:
                    # A phrase of several words typed bare inside an accented text still
                    # matches ("cán bộ doi du"); a one-word phrase must agree on its marks, and
                    # so must a phrase typed half with marks ("cho xã" is not "chợ xã").
                    span = words[i : i + size]
                    bare_span = size > 1 and not any(w.marks for w in span)
                    ok = all(
                        w == p or (bare_span and w.bare == p.bare)
                        for w, p in zip(span, phrase, strict=True)
                    )
                if ok:
                    if canonical:
                        out.append(canonical)
                    i += size
                    break
            else:
                if not is_filler(word, lenient=lenient):
                    out.append(word.bare)
                i += 1
        return out


# Fillers of a Vietnamese question: they carry no topic, and paraphrases differ in them.
_FILLERS = (
    "xin hỏi cho em tôi chúng ạ vậy thế nào ra sao gì là và của thì có không được này đó ở đâu "
    "bây giờ khi những các một như sẽ phải hay còn nữa về với tại theo đến sau bao nhiêu mấy "
    "biết kính gửi cảm ơn nay đối vậy thưa anh chị mình em nhé hiện cần làm "
    "việc hả đã đang rồi cũng vẫn nào sự tối đa bao giờ lúc"
)
FILLER_TOKENS = frozenset(token(w) for w in _FILLERS.split())
FILLER_BARE = frozenset(t.bare for t in FILLER_TOKENS)
# Typed without diacritics these fillers are also content words (chi: chị / chỉ huy / chi bộ;
# tai: tại / thiên tai / tài sản; ve: về / tự vệ; can: cần / cán bộ…): kept in bare texts.
_AMBIGUOUS_BARE = frozenset(
    [
        "chi",
        "tai",
        "ve",
        "biet",
        "sao",
        "dau",
        "can",
        "hien",
        "vay",
        "den",
        "toi",
        "se",
        "nay",
        "anh",
        "minh",
        "em",
        "lam",
    ]
)
_FILLER_BARE_KEPT = FILLER_BARE - _AMBIGUOUS_BARE


def is_filler(word: Token, *, lenient: bool) -> bool:
    """A word typed with diacritics is a filler only if its marks agree ("chợ" is not "cho")."""
    if lenient:
        return word.bare in _FILLER_BARE_KEPT
    return word in FILLER_TOKENS


@cache
def shipped() -> Thesaurus:
    """The thesaurus shipped in data/thesaurus.json."""
    data = json.loads(PATH.read_text(encoding="utf-8"))
    made = Thesaurus.from_data(data["concepts"], data.get("abbreviations"))
    made.add_fillers(data.get("fillers", ()))
    made.context = frozenset(
        term for phrase in data.get("context", ()) for term in made.terms(tokens(phrase))
    )
    return made
