"""Unit names as Vietnamese documents write them, from the names ``admin_unit`` records.

A unit's name starts with its kind ("Xã Quảng Tân", "Thị trấn Quảng Hà", "Huyện Tiên Yên").
Inside a sentence the kind is written in lower case ("xã Quảng Tân có …"); the place on a
document's date line is the unit's own name without its kind ("Quảng Tân, ngày …"), except
for a unit named by a number, which keeps its kind ("Phường 1") as Decree 30/2020 asks.
"""

from __future__ import annotations

from data_access.organisation import Area
from i18n import choose


def in_sentence(name: str, lang: str) -> str:
    """ "Xã Quảng Tân" inside a Vietnamese sentence: "xã Quảng Tân" (English: unchanged)."""
    return choose(lang, name[:1].lower() + name[1:], name)


def kind_and_name(name: str) -> tuple[str, str]:
    """ "Thị trấn Quảng Hà" -> ("Thị trấn", "Quảng Hà"): the kind is the first word and the
    lower-case words after it; the proper name starts at the first capitalised word."""
    words = name.split()
    split = 1
    while split < len(words) and words[split][:1].islower():
        split += 1
    return " ".join(words[:split]), " ".join(words[split:])


def place_name(name: str) -> str:
    """The place on a date line: "Xã Quảng Tân" -> "Quảng Tân"; "Phường 1" stays "Phường 1"."""
    _, proper = kind_and_name(name)
    return proper if proper[:1].isalpha() and proper[:1].isupper() else name


def kind_word(name: str, lang: str) -> str:
    """The unit's kind inside a sentence: "Xã Quảng Tân" -> "xã", "Thị trấn …" -> "thị trấn"."""
    kind, _ = kind_and_name(name)
    return in_sentence(kind, lang)


def area_name(area: Area, lang: str) -> str:
    """The whole area by name inside a sentence: "huyện Tiên Yên" (its unit's name), or the
    data's own label for it ("địa bàn huyện … (cũ)"), or "toàn địa bàn" when it has no unit."""
    if area.unit is not None and not area.custom:
        return in_sentence(area.unit.name, lang)
    return area.subject(lang)
