"""Write: the protected figures as a briefing in one language (titles, tables, prose, lags).

Cheap and query-free, so the page writes it anew for each language and edition from the
one cached ``Gathered``.
"""

from __future__ import annotations

from data_access.indicators import INDICATORS
from i18n import Catalog

from .domains import DOMAINS, domain_title
from .gather import where
from .lags import describe
from .model import Briefing, Column, Grid, Row, Section, Table
from .names import in_sentence
from .prose import subject, summary
from .protect import Protected

T = Catalog(
    "reports.briefing.write",
    {
        "title": (
            "Kết quả thực hiện công tác an sinh xã hội {period}",
            "Social welfare results, {period}",
        ),
        "of_commune": (" của {name}", " — {name}"),
        "of_selection": (" của {n} xã, thị trấn được chọn", " — {n} selected communes"),
        "total": ("Tổng cộng", "Total"),
        "scope_district": ("Toàn {district}", "The whole of {district}"),
        "scope_some": ("Chỉ {names}", "Only {names}"),
        "coverage_whole": ("{scope} ({n} xã, thị trấn)", "{scope} ({n} communes)"),
    },
)


def write(protected: Protected, lang: str = "vi") -> Briefing:
    """The briefing of ``protected`` in ``lang``: what the page and both documents render."""
    gathered, report = protected.gathered, protected.report
    whole, commune = gathered.whole_district, gathered.commune
    area = gathered.area
    total_name = where(whole, commune, lang, area) if whole else T("total", lang)  # "Toàn huyện"
    who = subject(whole, commune, lang, area)
    lags = [describe(finding, lang) for finding in protected.lags]
    sections = []
    for domain in DOMAINS:
        grid = protected.grids[domain]
        sections.append(
            Section(
                domain,
                domain_title(domain, lang),
                summary(domain, report, protected.figures, grid.total, who, lang),
                [i.code for i in INDICATORS if i.domain == domain],
                table(grid, total_name, lang),
                [lag for lag in lags if lag.domain == domain],
            )
        )
    return Briefing(
        lang=lang,
        public=protected.public,
        report=report,
        title=_title(protected, lang),
        where=where(whole, commune, lang, area),
        commune=commune,
        scope_label=_scope_label(protected, lang),
        coverage=_coverage(protected, lang),
        issuer=gathered.issuer,
        district=gathered.district,
        issuing=gathered.issuing,
        area=area,
        communes=list(gathered.communes),
        whole_district=whole,
        version=gathered.version,
        is_demo=gathered.is_demo,
        figures=protected.figures,
        sections=sections,
        monthly=gathered.monthly,
    )


def table(grid: Grid, total_name: str, lang: str) -> Table:
    """A domain's grid with its title, its columns' headings and its total row's name."""
    columns = [Column(s.key, s.label(lang), s.unit, s.indicator) for s in grid.specs]
    total = Row(None, total_name, grid.total)
    return Table(grid.domain, domain_title(grid.domain, lang), columns, grid.rows, total)


def _title(protected: Protected, lang: str) -> str:
    """ "Kết quả thực hiện công tác an sinh xã hội Quý III/2023 của xã Quảng Tân"."""
    gathered = protected.gathered
    title = T("title", lang, period=protected.report.text_label(lang))
    if gathered.commune:
        return title + T("of_commune", lang, name=in_sentence(gathered.commune, lang))
    if not gathered.whole_district:
        return title + T("of_selection", lang, n=len(gathered.communes))
    return title


def _scope_label(protected: Protected, lang: str) -> str:
    """The units the reporting scope may see, by name — never the account that signed in:
    "Toàn huyện X" (the area's unit, by its name), "Xã Quảng Tân", "Chỉ Xã Quảng An, Xã Quảng
    Tân"; the data's label for the whole area when it is not one unit's."""
    gathered = protected.gathered
    if gathered.scope.communes is None:
        unit = gathered.area.unit
        if unit is not None and not gathered.area.custom:
            return T("scope_district", lang, district=in_sentence(unit.name, lang))
        return gathered.area.label(lang)
    if len(gathered.visible) == 1:
        return gathered.visible[0]
    return T("scope_some", lang, names=", ".join(gathered.visible))


def _coverage(protected: Protected, lang: str) -> str:
    """The units the figures cover: "Toàn huyện X (9 xã, thị trấn)", "Xã Quảng Tân"."""
    gathered = protected.gathered
    if gathered.whole_district:
        scope = _scope_label(protected, lang)
        return T("coverage_whole", lang, scope=scope, n=len(gathered.communes))
    return ", ".join(name for _, name in gathered.communes)
