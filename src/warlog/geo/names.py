"""Place names as written: one normal form for every spelling of a name.

`normalise_name` is used both when the gazetteer is built (its index keys) and when a name
is looked up, so "Deir ez-Zor", "Dayr az Zawr" and "Deir al-Zour" meet on close keys and
"Idleb"/"Idlib", "Raqqa"/"Al-Raqqah" on the same key.  `skeleton` is a looser form (vowels
dropped) used as a second key for transliteration variants.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["normalise_name", "skeleton", "skeleton_of_key", "is_latin", "is_arabic", "NAME_RULES_VERSION"]

# bump when the rules change: the gazetteer's index keys depend on them
NAME_RULES_VERSION = "6"

# letters NFKD does not decompose
_TRANSLIT = str.maketrans({
    "ı": "i", "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ß": "ss",
    "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "ħ": "h", "ŧ": "t",
    "ŋ": "n", "ĸ": "k", "ſ": "s",
})
# apostrophe-like marks vanish ("Ra's" -> "ras", "Dar'a" -> "dara", "ʿAyn" -> "ayn")
_APOS = re.compile(r"['`´’‘ʿʾʼʻ′″\"“”]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_DOUBLE = re.compile(r"([a-z])\1+")
_HAS_DOUBLE = re.compile(r"([a-z])\1")

# Arabic article and its sun-letter forms, French/Spanish "el"; dropped when a word follows
_ARTICLES = frozenset({"al", "el", "il", "ul", "as", "ad", "ar", "ash", "at", "az", "an", "adh", "ath",
                       "ed", "es", "ez", "er", "et", "en", "esh", "ech", "the"})
# spellings of the same word
_WORDS = {
    "dayr": "deir", "dair": "deir", "der": "deir", "deyr": "deir",
    "tall": "tal", "tell": "tal", "tel": "tal", "til": "tal",
    "ra": "ras", "raas": "ras", "rass": "ras",
    "sheikh": "shaykh", "shaikh": "shaykh", "sheik": "shaykh", "shaykh": "shaykh", "cheikh": "shaykh",
    "shekh": "shaykh", "sheikhs": "shaykh", "shiekh": "shaykh",
    "ain": "ayn", "ein": "ayn", "ayn": "ayn", "aain": "ayn", "ayun": "uyun", "oyoun": "uyun",
    "jabal": "jabal", "jebel": "jabal", "jabel": "jabal", "jebal": "jabal", "djebel": "jabal", "jbel": "jabal",
    "kafr": "kafr", "kfar": "kafr", "kafar": "kafr", "kfr": "kafr", "kefr": "kafr",
    "khirbet": "khirbat", "khirbit": "khirbat", "kherbet": "khirbat",
    "qasr": "qasr", "kasr": "qasr", "ksar": "qasr",
    "oued": "wadi", "wadi": "wadi", "wady": "wadi",
    "um": "umm", "om": "umm", "oum": "umm", "umm": "umm",
    "abou": "abu", "abo": "abu", "bou": "abu",
    "beit": "bayt", "bait": "bayt", "beyt": "bayt",
    "bir": "bir", "beer": "bir",
    "saint": "saint", "st": "saint", "ste": "sainte", "san": "san",
    "mount": "mount", "mt": "mount", "fort": "fort", "ft": "fort",
    "mazraat": "mazraa", "mazraah": "mazraa",
}


# letters outside the Latin blocks (Latin-1, Extended A/B, IPA, modifiers, combining marks,
# Latin Extended Additional/C/D, general punctuation)
_NON_LATIN = re.compile(r"[^\u0000-\u036F\u1E00-\u1EFF\u2000-\u206F\u2C60-\u2C7F\uA720-\uA7FF]")


def is_latin(s: str) -> bool:
    """True when every letter of `s` is Latin script (diacritics allowed)."""
    return s.isascii() or _NON_LATIN.search(s) is None


_ARABIC_LETTER = re.compile(r"[\u0620-\u064A\u0671-\u06D3\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")
_AR_MARKS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u0640\u06D6-\u06ED]")
_AR_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
                             "ء": "", "ی": "ي", "ک": "ك", "ہ": "ه", "ۀ": "ه"})
_NON_AR = re.compile(r"[^\u0620-\u064A\u0671-\u06D3]+")


def is_arabic(s: str) -> bool:
    """True when `s` is written in Arabic script (no Latin letters)."""
    return bool(_ARABIC_LETTER.search(s)) and not _LATIN_LETTER.search(s)


def _arabic_key(s: str) -> str:
    """Arabic-script names: diacritics, tatweel and hamza seats folded, the article dropped."""
    s = unicodedata.normalize("NFKC", s)
    s = _AR_MARKS.sub("", s).translate(_AR_LETTERS)
    words = [w for w in _NON_AR.sub(" ", s).split() if w]
    out = []
    for i, w in enumerate(words):
        if w.startswith("ال") and len(w) > 3:
            w = w[2:]
        out.append(w)
    return " ".join(out)


def _fold(s: str) -> str:
    if s.isascii():
        return _NON_ALNUM.sub(" ", _APOS.sub("", s).lower().replace("&", " and ")).strip()
    s = s.translate(_TRANSLIT)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = _APOS.sub("", s).lower()
    s = s.replace("&", " and ")
    return _NON_ALNUM.sub(" ", s).strip()


_AIRBASE = re.compile(r"\b(?:military )?(?:air ?base|airfield|air field)\b|\bmilitary airport\b")
_GLUED_ARTICLE = re.compile(r"^(?:a([dnrstz])\1|e(z)z)(?=[a-z]{2})")


def _word(w: str) -> str:
    w = _WORDS.get(w, w)
    if len(w) >= 5 and (w[0] == "a" or w[0] == "e") and w[1] == w[2]:
        # "Ezzor", "Assuwayda": an article glued to a sun letter
        w = _GLUED_ARTICLE.sub(lambda m: m.group(1) or m.group(2), w)
    if len(w) > 2 and w.isalpha():
        if _HAS_DOUBLE.search(w):
            w = _DOUBLE.sub(r"\1", w)
        # -ah / -eh / -a endings meet on -a; -iyeh/-iyah/-ieh/-iya meet on -iya
        if len(w) > 3 and (w.endswith("ah") or w.endswith("eh")):
            w = w[:-2] + "a"
        if w.endswith("ie") and len(w) > 4:
            w = w[:-2] + "iya"
        w = w.replace("ou", "u").replace("ee", "i").replace("oo", "u")
    return w


@lru_cache(maxsize=65536)
def normalise_name(s: str) -> str:
    """The index key of a place name as written.

    >>> normalise_name("Deir ez-Zor") == normalise_name("Deir Ezzor".replace("Ezzor", "ez Zor"))
    True
    """
    if not s:
        return ""
    if not s.isascii() and is_arabic(s):
        return _arabic_key(s)
    s = _fold(s)
    if "air" in s:  # "X Military Air Base", "X military airport", "X airfield": one "X airbase"
        s = _AIRBASE.sub("airbase", s)
    # 'al' glued to the next word by a former hyphen is now a separate token
    words = s.split()
    if not words:
        return ""
    # "U.S.", "U K" -> "us", "uk": runs of single letters join
    if any(len(w) == 1 for w in words):
        merged: list[str] = []
        run = False
        for w in words:
            single = len(w) == 1 and w.isalpha()
            if single and run:
                merged[-1] += w
            else:
                merged.append(w)
            run = single
        words = merged
    out: list[str] = []
    n = len(words)
    for i, w in enumerate(words):
        if w in _ARTICLES and i < n - 1 and n > 1:
            continue
        out.append(_word(w))
    return " ".join(out)


_VOWELS = re.compile(r"[aeiouyw]")


@lru_cache(maxsize=65536)
def skeleton(s: str) -> str:
    """A looser key: each word's consonants (a leading vowel kept as "a"), q=k.

    "Deir ez-Zor", "Dayr az Zawr", "Deir al-Zour" -> "dr zr"; "Idleb", "Idlib" -> "adlb".
    """
    return skeleton_of_key(normalise_name(s))


def skeleton_of_key(key: str) -> str:
    """`skeleton` of an already normalised name."""
    if not key:
        return ""
    parts = []
    for w in key.split():
        if w.isdigit():
            parts.append(w)
            continue
        head, rest = w[0], w[1:]
        rest = _VOWELS.sub("", rest.replace("q", "k").replace("ck", "k").replace("ph", "f"))
        if head == "q":
            head = "k"
        elif head in "aeiouyw":
            head = "a"
        parts.append(head + rest)
    return " ".join(_DOUBLE.sub(r"\1", p) for p in parts)


_INNER_LINK = re.compile(r"(?<=\w) (?:de la|de los|de las|de|del|da|do|dos|das) (?=\w)")


def without_links(key: str) -> str:
    """A normalised name without the link words inside it: "san andres de tuxtla" and
    "san francisco de campeche" are also written "San Andres Tuxtla", "San Francisco Campeche"."""
    return _INNER_LINK.sub(" ", key)
