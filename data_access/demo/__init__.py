"""The demo welfare database: record-level, deterministic, January 2022 – 30/11/2023.

    python -m data_access.demo [--url URL] [--scale N] [--seed S]

At scale 1 it holds the nine 2023 units of Huyện Đầm Hà (DOMAIN.md §2) and reproduces the
published 2023 figures F1–F15 (DOMAIN.md §1) when they are computed by ``data_access.queries``
from these rows. ``--scale N`` adds N-1 synthetic districts ("Huyện mẫu 2" …) with distinct
units and codes, for benchmarks.

How the published figures arise (the rows are designed so that the queries find them; the
queries know nothing of the figures):
- F1: every person aged 60+ alive at 30/11/2023 holds a 2023 BHYT card paid fully or partly by
  the state; in 2022 a few per cent of the 60–69 group did not yet have one [G].
- F2: health-check and consultation visits of the elderly programme, spread over the months,
  3.127 in January–November 2023 [G: the article says "hơn 3.000"].
- F3/F4: every case open in 2023 received support/intervention within weeks of being opened.
- F5/F6: each commune's child-protection board was set up 2016–2020; every village has had a
  child-protection collaborator since 2019–2022.
- F7–F9: 13 new builds and 11 repairs approved in 2023, all funded by social contributions
  (xã hội hóa), amounts around the 2025 provincial norms (80 / 40 triệu) adding to exactly
  1.480.000.000 đồng [G: per-house amounts were not published].
- F10/F11: 3 job fairs / labour-export conferences and 6 TKV recruitment consultations.
- F12/F13: 7 elementary vocational classes (4 non-agricultural, 3 agricultural), 193 learners.
- F14/F15: 1.911 monthly-allowance beneficiaries active in November 2023 (allocated to communes
  in proportion to population, with variation), each paid Quảng Ninh's standard rate × the
  Decree 20 coefficient every month (450.000 đồng in 2022, 500.000 đồng in 2023).

Seeded data-quality problems (issue 7) are listed in ``demo.problems``.

Modules: ``facts`` (what the rows are built to), ``generator`` (``Builder``: every row, copy by
copy, from ``units``, ``people``, ``allowances``, ``coverage``, ``housing``, ``training``,
``problems`` and ``reported``), ``load`` (into a database or a SQLite file), ``engine`` (the
demo opened read-only, built on first use), ``cli`` (the command line).
"""

from .engine import demo_engine, open_welfare_engine
from .facts import SEED
from .generator import Builder
from .load import build_demo, build_demo_file

__all__ = [
    "SEED",
    "Builder",
    "build_demo",
    "build_demo_file",
    "demo_engine",
    "open_welfare_engine",
]
