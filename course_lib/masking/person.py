"""People's names (``PERSON``): a gazetteer of given and family names, context and capitalisation.

Names cannot be validated like a card number: ``Will``, ``May``, ``Grace``, ``Baker`` and ``Street``
are all names somewhere. This recognizer looks at a *run* of capitalised words (``Maria J. Garcia``,
``Dr de la Cruz``; lower-case particles such as ``van der`` and middle initials may stand between them)
and scores it by what speaks for a person:

=====  ==========================================================================================
score  the run is reported as a name when
=====  ==========================================================================================
0.85   it follows a title (``Dr``, ``Mr``, ``Ms``, ...; the title is not part of the span), or it has
       two or more words and follows a cue word (``Patient``, ``claimant``, ``holder``,
       ``Emergency contact:``, ``son``, ...)
0.8    two or more words: the first a known given name, the last a known family name
0.7    two or more words in mid-sentence, one of them a known name
0.6    one known name after a cue word
0.5    two or more words at the start of a sentence: a known given name and an unknown word
0.4    two or more unknown capitalised words in mid-sentence (a proper noun, most likely a name)
=====  ==========================================================================================

Nothing else is reported: a single capitalised name without a title or cue (``Jackson``,
``Parkinson``), or any run that contains or is followed by a word of a place, an institution or an
eponym (``Baker Street``, ``Mayo Clinic``, ``Parkinson's disease``, ``Holter monitor``) or by a number
(``May 2024``). At the start of a sentence every word is capitalised, so there a leading word that is
not a known given name (``Patient``, ``Contact``) is dropped from the run.

"Known" names are those of the gazetteer: the given and family names of every Latin-script locale of
the ``faker`` package (about 20 000 of each, with their romanised Chinese, Japanese and Korean names),
compared without accents. Its misses are names it does not know outside any context, and names
written in a form it does not read (all capitals, lower case, a line break inside). ``pii_corpus``
plants names from lists of its own, so that its recall measures names the gazetteer does not know, too.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
import unicodedata

from .spans import Span

TITLES = frozenset({"Dr", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof", "Professor", "Sir", "Dame", "Rev"})
PARTICLES = frozenset({"de", "la", "del", "della", "di", "da", "das", "do", "dos", "du", "le", "van", "von",
                       "der", "den", "ter", "ten", "bin", "ibn", "al", "el"})
#: Words that, right before a name (after optional spaces and one ``:``, ``(`` or ``,``), say it is one.
CUES = frozenset({"patient", "claimant", "holder", "contact", "name", "applicant", "client", "tenant",
                  "resident", "carer", "guardian", "spouse", "son", "daughter", "wife", "husband", "mother",
                  "father", "partner", "signed", "user"})
#: Words that make a run of capitalised words a place, an institution or a thing named after someone.
NOT_A_PERSON = frozenset({
    "street", "st", "road", "rd", "avenue", "ave", "lane", "square", "drive", "terrace", "crescent", "close",
    "place", "boulevard", "way", "hospital", "clinic", "infirmary", "trust", "foundation", "centre", "center",
    "university", "college", "school", "institute", "surgery", "practice", "pharmacy", "bank", "council",
    "court", "house", "station", "airport", "county", "city", "ward", "unit", "department", "ministry",
    "disease", "syndrome", "palsy", "lymphoma", "phenomenon", "thyroiditis", "monitor", "catheter",
    "airway", "splint", "scan", "test", "sign", "score", "scale", "manoeuvre", "maneuver", "procedure",
    "operation", "classification", "criteria", "stain", "tube", "needle", "reflex", "fracture", "law",
    "effect", "principle", "equation", "method", "prize", "award", "group", "limited", "ltd", "inc",
})
MONTHS = frozenset({"January", "February", "March", "April", "May", "June", "July", "August", "September",
                    "October", "November", "December"})
SENTENCE_END = ".!?;:\n"

_UPPER = "".join(chr(i) for i in range(0x3000) if chr(i).isupper() and chr(i).isalpha())
_LETTER = r"[^\W\d_]"
_WORD = rf"[{_UPPER}]{_LETTER}*(?:-{_LETTER}+|['’](?![sS](?!{_LETTER})){_LETTER}+)*"  # not a possessive 's
_INITIAL = rf"(?:[{_UPPER}]|Dr|Mr|Mrs|Ms|Mx|Prof|Rev|St)\."
_TOKEN = rf"(?:{_INITIAL}|{_WORD})"
_PARTICLE = "(?:" + "|".join(sorted(PARTICLES, key=len, reverse=True)) + ")"
#: a run of capitalised words, initials and titles, one space apart, with particles between them; it
#: starts with particles only right after a title (``Dr de la Cruz``)
_RUN = re.compile(rf"(?<![\w'’.-]){_TOKEN}(?:(?: {_PARTICLE})* {_TOKEN})*")
_NEXT_WORD = re.compile(r"(?:['’]s?)?[ \t]+(\w+)")


@functools.lru_cache(maxsize=1 << 16)
def _fold(name: str) -> str:
    """``name`` without accents and in lower case: ``Nguyễn`` and ``NGUYEN`` are ``nguyen``."""
    if name.isascii():
        return name.lower()
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


@functools.lru_cache(maxsize=1)
def gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, family names) of every locale of ``faker`` written in Latin script, folded."""
    from faker.providers import person

    latin = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff'’-]+")
    given: set[str] = set()
    family: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attr in dir(provider):
            kind = attr.split("_")[0] if attr.startswith(("first_name", "last_name", "first_romanized",
                                                          "last_romanized")) else None
            target = {"first": given, "last": family}.get(kind)
            names = getattr(provider, attr, None)
            if target is None or not isinstance(names, (dict, tuple, list, set, frozenset)):
                continue
            target.update(_fold(n) for n in names
                          if isinstance(n, str) and latin.fullmatch(n) and n[0].isupper())
    return frozenset(given), frozenset(family)


def known_name(word: str) -> bool:
    """Whether ``word`` is a given or family name of the gazetteer (accents and case ignored)."""
    if not isinstance(word, str):
        raise TypeError(f"word must be a str, got {type(word).__name__}")
    given, family = gazetteer()
    return _known(word, given) or _known(word, family)


def _known(word: str, names: frozenset[str]) -> bool:
    """Whether ``word`` (or every part of a hyphenated ``word``) is in ``names``."""
    folded = _fold(word)
    return folded in names or ("-" in folded and all(p in names for p in folded.split("-") if p))


def _sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \t\"'“‘([":
        i -= 1
    return i < 0 or text[i] in SENTENCE_END


def _is_word(token: str) -> bool:
    """A capitalised word with lower-case letters (not an initial, a title with a dot or ``SSN``)."""
    return not token.endswith(".") and any(c.islower() for c in token)


def _cue_before(text: str, start: int) -> bool:
    """Whether a word of ``CUES`` ends right before ``start`` (bounded look-back: linear time)."""
    i = start
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    if i > 0 and text[i - 1] in ":(,":
        i -= 1
        while i > 0 and text[i - 1] in " \t":
            i -= 1
    j = i
    while j > 0 and i - j <= 12 and text[j - 1].isalnum():
        j -= 1
    return (j == 0 or not text[j - 1].isalnum()) and text[j:i].lower() in CUES


def _score(text: str, start: int, words: list[str], title: bool, given: frozenset,
           family: frozenset) -> float | None:
    """The score of the module docstring's table, or None: not reported."""
    n = len(words)
    if title:
        return 0.85
    cue = _cue_before(text, start)
    known_given, known_family = _known(words[0], given), _known(words[-1], family)
    any_known = any(_known(w, given) or _known(w, family) for w in words)
    if n >= 2 and cue:
        return 0.85
    if n == 1:
        return 0.6 if cue and any_known else None
    if known_given and known_family:
        return 0.8
    if not _sentence_start(text, start):
        return 0.7 if any_known else 0.4
    return 0.5 if known_given else None


def find_persons(text: str) -> list[Span]:
    """People's names in ``text``, scored as in the module docstring; a title before a name is not
    part of its span, a possessive ``'s`` after it neither."""
    given, family = gazetteer()
    found = []
    for m in _RUN.finditer(text):
        if " " not in m.group():  # one word: a name only if known, after a title or cue (most runs end here)
            word = m.group()
            if not (_is_word(word) and (_known(word, given) or _known(word, family))):
                continue
        tokens = [(m.start() + t.start(), m.start() + t.end(), t.group())
                  for t in re.finditer(r"\S+", m.group())]
        i, j, title = 0, len(tokens), False  # tokens[i:j] is the name (indices: no quadratic slicing)
        while i < j and tokens[i][2].rstrip(".") in TITLES:
            i, title = i + 1, True
        if not title:
            at_start = _sentence_start(text, m.start())
            while i < j and tokens[i][2].endswith("."):  # "S." may end the sentence before ("... 4BL4 S.")
                i, at_start = i + 1, True
            if at_start:  # every word is capitalised there
                while i < j and not (_is_word(tokens[i][2]) and _known(tokens[i][2], given)
                                     or _cue_before(text, tokens[i][0])):
                    i += 1
            while i < j and tokens[i][2] in PARTICLES:
                i += 1
        while i < j and not _is_word(tokens[j - 1][2]):  # a trailing initial or title
            j -= 1
        if i == j:
            continue
        tokens = tokens[i:j]
        start, end = tokens[0][0], tokens[-1][1]
        words = [w for _, _, w in tokens if _is_word(w) and w not in PARTICLES]
        if not words or any(_fold(w) in NOT_A_PERSON for w in words):
            continue
        if len(words) == 1 and words[0] in MONTHS and not title:
            continue
        after = _NEXT_WORD.match(text, end)
        if after and (_fold(after.group(1)) in NOT_A_PERSON or after.group(1)[0].isdigit()):
            continue  # Baker Street, Parkinson's disease, a Holter monitor, May 2024
        score = _score(text, start, words, title, given, family)
        if score is not None:
            found.append(Span(start, end, "PERSON", score))
    return found
