"""The product's one palette: each category code has one colour, on every page and document.

Rules (tests/test_palette.py checks them):

- A category code keeps its colour everywhere: "Xây mới" is the same blue on Nhà ở, in the
  quarterly briefing and in the Word report, because every chart asks this module by the
  vocabulary's code, never by the position of a label in a legend.
- Red and green mean one thing only: a figure below or at its target ("chưa đạt" / "đạt", the
  overview's table and tiles). No category is drawn in red or green.
- What is missing or not yet done (no valid card, not yet helped, no collaborator, approved but
  not started) is grey; what is done is blue; what is under way is orange.
- A chart with one series draws it in ``SERIES`` blue.

Colours come from Tableau 10 (distinguishable by most colour-blind readers) without its red,
green and pink.
"""

from __future__ import annotations

from collections.abc import Mapping

from i18n import Catalog
from vocab import (
    AGRI,
    BANK,
    CARD_FUNDING,
    CASH,
    CIRCUMSTANCES,
    CLASS_FIELDS,
    GRANT_EVENTS,
    GRANT_KINDS,
    GRANT_STAGES,
    JOB_EVENT_KINDS,
    JOB_FAIR,
    LABOUR_EXPORT,
    NON_AGRI,
    PAYMENT_METHODS,
    PAYMENT_STATUSES,
    RECRUITMENT,
)

BLUE = "#4e79a7"
LIGHT_BLUE = "#a0cbe8"
DARK_BLUE = "#2c4f74"
ORANGE = "#f28e2b"
TEAL = "#76b7b2"
YELLOW = "#edc948"
PURPLE = "#b07aa1"
BROWN = "#9c755f"
GREY = "#bab0ac"
DARK_GREY = "#79706e"

SERIES = BLUE  # a chart with one series
CATEGORY_COLOURS = (BLUE, ORANGE, PURPLE, TEAL, BROWN, YELLOW, LIGHT_BLUE, DARK_GREY, GREY)

# Judgement only: the table's and tiles' "đạt" / "chưa đạt" (text, border and background).
MET, BELOW = "#2e7d32", "#c62828"
MET_BACKGROUND, BELOW_BACKGROUND = "#d8f3dc", "#ffd6d6"
STATUS_COLOURS = (MET, BELOW, MET_BACKGROUND, BELOW_BACKGROUND)

# Catalog name -> code -> colour: one entry per category the product draws. Stored codes come
# from vocab; a chart module's own categories (helped / not yet) are keys of its catalog.
COLOURS: dict[str, dict[str, str]] = {
    CARD_FUNDING.name: {"state": BLUE, "partial": LIGHT_BLUE, "self": ORANGE, "none": GREY},
    CIRCUMSTANCES.name: {"special": PURPLE, "at_risk": ORANGE},
    # categories a chart module names in its own catalog (by message key)
    "charts.coverage": {
        "supported": BLUE,
        "not_yet": GREY,
        "with_collaborator": BLUE,
        "without_collaborator": GREY,
    },
    "charts.training": {"learners": LIGHT_BLUE, "completed": BLUE, "employed": DARK_BLUE},
    GRANT_KINDS.name: {"new": BLUE, "repair": ORANGE},
    GRANT_STAGES.name: {"waiting": GREY, "building": ORANGE, "completed": BLUE},
    GRANT_EVENTS.name: {"approved": PURPLE, "completed": BLUE},
    CLASS_FIELDS.name: {NON_AGRI: BLUE, AGRI: BROWN},
    JOB_EVENT_KINDS.name: {JOB_FAIR: BLUE, LABOUR_EXPORT: ORANGE, RECRUITMENT: PURPLE},
    PAYMENT_METHODS.name: {BANK: BLUE, CASH: ORANGE},
    PAYMENT_STATUSES.name: {
        "planned": LIGHT_BLUE,
        "paid": BLUE,
        "pending": ORANGE,
        "returned": PURPLE,
        "recovered": BROWN,
    },
}


def colour(catalog: Catalog, code: str) -> str:
    """The colour of one category code; a code the palette does not know is grey."""
    return COLOURS.get(catalog.name, {}).get(code, GREY)


def by_label(catalog: Catalog, lang: str, codes: list[str] | None = None) -> dict[str, str]:
    """{label: colour} for the catalog's codes (all, in its order, or ``codes`` in theirs).

    A chart's colour scale is built from this: domain = the labels, range = their colours.
    """
    chosen = catalog.codes() if codes is None else list(codes)
    return {catalog.label(code, lang): colour(catalog, code) for code in chosen}


def periods(labels: list[str]) -> dict[str, str]:
    """{label: colour} for periods compared on one chart: the last is blue, earlier ones grey."""
    earlier = (GREY, DARK_GREY, BROWN)
    return {
        label: SERIES if i == len(labels) - 1 else earlier[i % len(earlier)]
        for i, label in enumerate(labels)
    }


def every_category_colour() -> set[str]:
    """Every colour a category may take (for the tests)."""
    return {c for family in COLOURS.values() for c in family.values()} | set(CATEGORY_COLOURS)


def scale_domain(colours: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(domain, range) of a colour scale from {label: colour}."""
    return list(colours), list(colours.values())
