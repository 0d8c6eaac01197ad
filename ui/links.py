"""Links into the person lists (Danh sách cá nhân, ``/danh-sach``): which list, for which
communes and period, all in the query string like every other filter.

``?ds=beneficiaries&xa=06913&tu=2023-07&den=2023-09&dv=2023`` opens the beneficiary list of Xã
Quảng Tân for Quý III/2023; ``ds`` takes a name of ``data_access.persons.LISTS``.
"""

from __future__ import annotations

from collections.abc import Mapping

from data_access.filters import Filters
from data_access.persons import LISTS

from .filters import params_for

QP_LIST = "ds"  # danh sách: which person list the page opens on
PERSONS_PAGE = "pages/persons.py"


def person_list_params(list_name: str, filters: Filters) -> dict[str, str]:
    """The query string of the person list ``list_name`` for ``filters``."""
    if list_name not in LISTS:
        raise KeyError(list_name)
    return {**params_for(filters), QP_LIST: list_name}


def chosen_list(params: Mapping[str, str]) -> str:
    """The list named by ``?ds=`` when it is one; the first list otherwise."""
    name = params.get(QP_LIST, "")
    return name if name in LISTS else next(iter(LISTS))
