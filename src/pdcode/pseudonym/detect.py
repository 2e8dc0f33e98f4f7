"""Name-shaped words in transcripts, and whether a speaker label is a name.

Candidates (``pdcode pseudonymise --detect``) are runs of capitalised words on
one line or wrapped over two (``Ruth Adeyemi``, ``Oakfield Primary School``):

- a title and a name (``Mr``/``Mrs``/``Ms``/``Dr``... ``O'Neill``) is a person,
  proposed with and without the title and word by word;
- a run ending in ``School``, ``Academy``, ``College`` or ``Primary`` is a school and
  one ending in ``Trust`` or ``Federation`` a trust, each proposed whole and by
  the words before its first generic word (``Oakfield`` of ``Oakfield Primary
  School``), which a transcript also uses alone;
- any other run of two or more words, or single word, is proposed as ``other``.

A capitalised word is ordinary English, and no candidate, where it starts a
sentence and is a dictionary word (spaCy's WordNet lemma index, its inflections
and stop words, and the fillers of speech: ``So``, ``Honestly``, ``Thanks``), or
where it is a dictionary word the transcripts also write in lower case
(``Year``, since ``year`` is written too). Words in capitals (``EEF``, ``NPQ``),
months and weekdays are never candidates. Speaker labels are left to
`person_name`, which decides whether a label is a person's name or a role.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex

TITLES = frozenset(
    "Mr Mrs Ms Miss Mx Dr Prof Professor Sir Dame Lord Lady Rev Revd Reverend Cllr".split()
)
SCHOOL_WORDS = frozenset(("School", "Academy", "College", "Primary", "Infants", "Juniors"))
TRUST_WORDS = frozenset(("Trust", "Federation"))
# Words that describe a school or trust rather than name it: the name is before them.
GENERIC = (
    SCHOOL_WORDS
    | TRUST_WORDS
    | frozenset(
        "Infant Junior Secondary High Grammar Community Learning Education Educational "
        "Multi Academies Church Catholic CofE CE RC Methodist Free Studio Sixth Form Nursery "
        "Special Foundation Partnership Schools Girls Boys Technical".split()
    )
)
# The last word of a label that names a role, not a person ("PD Lead", "Science Teacher").
ROLE_WORDS = frozenset(
    "interviewer interviewee researcher respondent participant speaker facilitator "
    "moderator host chair note notes transcriber teacher headteacher head headmaster "
    "headmistress principal deputy assistant lead leader director manager officer "
    "designer coordinator co-ordinator advisor adviser consultant coach mentor mentee "
    "trainee senco governor trustee ceo member student pupil parent staff group team "
    "panel unknown other audience everyone all both child tutor lecturer inspector "
    "administrator secretary specialist practitioner observer voice male female "
    "man woman person".split()
)
PARTICLES = frozenset("van von de da di du del della der den le la bin binti al el ter ten".split())
CALENDAR = frozenset(
    "January February March April May June July August September October November "
    "December Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)
# Spoken English a dictionary may lack, which opens many a transcript's sentence.
SPOKEN = frozenset(
    "hi hello hey thanks thank yeah yep yes no ok okay um umm er erm uh ah oh gosh wow "
    "sorry please right well sure cheers bye mm hmm mhm".split()
)
_WORDS = regex.compile(r"[\p{L}\p{M}\p{N}]+(?:['’\-][\p{L}\p{M}\p{N}]+)*")
# Between two words of one name: spaces, at most one line break, or a title's dot.
_GAP = regex.compile(r"[ \t]*\n?[ \t]*")
_TITLE_GAP = regex.compile(r"\.?[ \t]*\n?[ \t]*")
_SUFFIX = regex.compile(r"(?:['’](?:s|m|d|ll|re|ve)|n['’]t)$", regex.IGNORECASE)
_LABEL_ROLE = regex.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")  # "(Hub Lead)", "[RB]"
_OPENERS = " \t\"'“‘([—–-"
_ENDS = ".!?:;…"


@dataclass(frozen=True)
class Found:
    """A candidate: its text, its kind, where it starts, and the whole name it is
    part of (itself when whole), which groups a name's forms under one replacement."""

    text: str
    kind: str
    start: int
    whole: str


@lru_cache(maxsize=1)
def dictionary() -> frozenset[str]:
    """Lower-case English words: WordNet's lemmas as spaCy ships them, the lemmas
    of its lookup table, its stop words, and spoken fillers."""
    from spacy.lang.en.stop_words import STOP_WORDS
    from spacy.lookups import load_lookups

    from pdcode.nlp import lemma_table

    words: set[str] = set(STOP_WORDS) | SPOKEN
    index = load_lookups("en", ["lemma_index"]).get_table("lemma_index")
    for lemmas in index.values():
        words.update(w for w in lemmas if isinstance(w, str))
    words.update(lemma_table().values())
    return frozenset(w.lower() for w in words)


def is_word(word: str) -> bool:
    """Whether ``word`` (any case, an inflection too) is an English dictionary word."""
    from spacy.strings import get_string_id

    from pdcode.nlp import lemma_table

    low = _SUFFIX.sub("", word).lower()
    if low in dictionary():
        return True
    lemma = lemma_table().get(get_string_id(low))
    return lemma is not None and lemma.lower() in dictionary()


def person_name(label: str) -> str | None:
    """The person's name a speaker label (or a value naming a person) holds, or None
    for a role (``Interviewer``, ``PD Lead``, ``Researcher 1``, ``INT``). A role in
    brackets after the name is dropped: ``Hughes, Gareth (Hub Lead)`` is
    ``Hughes, Gareth``."""
    name = _LABEL_ROLE.sub("", label).strip(" ,")
    if not name or any(ch.isdigit() for ch in name):
        return None
    words = [w for w in regex.split(r"[\s,]+", name) if w]
    core = [w for w in words if w.rstrip(".") not in TITLES]
    if not core or len(words) > 5:
        return None
    if any(not w[0].isupper() and w.lower() not in PARTICLES for w in core):
        return None
    if core[-1].lower() in ROLE_WORDS:
        return None
    named = [
        w
        for w in core
        if len(w.rstrip(".")) > 1 and not w.isupper() and w.lower() not in ROLE_WORDS
    ]
    return name if named else None


def name_parts(name: str) -> tuple[str, ...]:
    """The words of a person's name that name them alone: no titles, particles or
    initials (``Mrs Helen Carter`` gives ``Helen``, ``Carter``)."""
    return tuple(
        w
        for w in regex.split(r"[\s,]+", name)
        if w
        and w.rstrip(".") not in TITLES
        and w.lower() not in PARTICLES
        and len(w.rstrip(".")) > 1
    )


def lower_words(texts: Iterable[str]) -> frozenset[str]:
    """Every word the texts write in lower case."""
    found: set[str] = set()
    for text in texts:
        found.update(w for w in _WORDS.findall(text) if w.islower())
    return frozenset(found)


def candidates(
    text: str, skip: Sequence[tuple[int, int]] = (), lowercase: frozenset[str] = frozenset()
) -> list[Found]:
    """The name-shaped candidates of one text, in text order. Spans in ``skip``
    (speaker labels) are not read; ``lowercase`` is `lower_words` of the corpus."""
    found: list[Found] = []
    for run in _runs(text, skip):
        found += _classify(text, run, lowercase)
    return found


def _capitalised(word: str) -> bool:
    """A word that starts with a capital and is no acronym (``EEF``, ``NPQs``)."""
    acronym = len(word) > 1 and (word.isupper() or (word[-1] == "s" and word[:-1].isupper()))
    return word[0].isupper() and not acronym and not any(ch.isdigit() for ch in word)


def _runs(text: str, skip: Sequence[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    """Runs of capitalised words, as (start, end) of each word."""
    blocked = sorted(skip)
    b = 0
    run: list[tuple[int, int]] = []
    for match in _WORDS.finditer(text):
        start, end = match.span()
        while b < len(blocked) and blocked[b][1] <= start:
            b += 1
        inside = b < len(blocked) and blocked[b][0] <= start < blocked[b][1]
        word = match.group()
        if inside or not _capitalised(word):
            if run:
                yield run
            run = []
            continue
        if not run and _header_key(text, start, end):
            continue
        if run:
            gap = text[run[-1][1] : start]
            title = text[run[-1][0] : run[-1][1]] in TITLES
            if not (gap and (_TITLE_GAP if title else _GAP).fullmatch(gap)):
                yield run
                run = []
        run.append((start, end))
    if run:
        yield run


def _header_key(text: str, start: int, end: int) -> bool:
    """A word opening a line and followed by a colon (``Date:``, ``Location:``): a
    header's key or a label, which speaker labels propose if it is a name."""
    return (start == 0 or text[start - 1] == "\n") and text[end : end + 1] == ":"


def _initial(text: str, start: int) -> bool:
    """Whether a word at ``start`` opens a sentence (or the text, or a paragraph)."""
    i, newlines = start - 1, 0
    while i >= 0 and (text[i] in _OPENERS or text[i] == "\n"):
        newlines += text[i] == "\n"
        if newlines > 1:
            return True
        i -= 1
    return i < 0 or text[i] in _ENDS


def _classify(text: str, run: list[tuple[int, int]], lowercase: frozenset[str]) -> list[Found]:
    words = [text[s:e] for s, e in run]
    last = _SUFFIX.sub("", words[-1])
    if not last:
        return []
    words[-1] = last
    if words[0] not in TITLES and _initial(text, run[0][0]) and is_word(words[0]):
        words, run = words[1:], run[1:]
    # Leading months and weekdays ("Monday Sam said") are dates, not names.
    while words and words[0] in CALENDAR:
        words, run = words[1:], run[1:]
    if not words:
        return []
    start = run[0][0]
    whole = text[start : run[-1][0] + len(words[-1])]
    if words[0] in TITLES:
        if len(words) < 2:
            return []
        bare = text[run[1][0] : run[-1][0] + len(words[-1])]
        found = [Found(whole, "person", start, whole), Found(bare, "person", run[1][0], whole)]
        parts = zip(words[1:], run[1:], strict=True)
        return found + [Found(w, "person", s, whole) for w, (s, _) in parts]
    if len(words) > 1 and (words[-1] in SCHOOL_WORDS or words[-1] in TRUST_WORDS):
        kind = "trust" if words[-1] in TRUST_WORDS else "school"
        found = [Found(whole, kind, start, whole)]
        named = next((i for i, w in enumerate(words) if w in GENERIC), len(words))
        if named:
            found.append(Found(text[start : run[named - 1][1]], kind, start, whole))
        return found
    if len(words) == 1:
        word = words[0]
        if len(word) < 2 or word in CALENDAR or word in TITLES:
            return []
        if is_word(word) and word.lower() in lowercase:
            return []
    return [Found(whole, "other", start, whole)]
