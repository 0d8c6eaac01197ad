"""Helpers for AppTest page tests: open a page of app.py with query params, read what it shows."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")

APP_TIMEOUT_S = 60  # the first run builds caches; generous so a loaded CI machine does not flake


def open_page(page: str | None = None, **params: str) -> AppTest:
    """Run app.py (then ``page``, e.g. "pages/payouts.py") with ``params`` in the query string."""
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    return at


def open_link(page: str, **params: str) -> AppTest:
    """Open ``page`` first, as a shared link does in a new tab (``open_page`` runs the overview
    first, which writes its own filters into the URL before the page runs)."""
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    at.run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    """{label: value} of every st.metric on the page."""
    return {m.label: m.value for m in at.metric}


def no_exceptions(at: AppTest) -> None:
    """Fail with the exception texts if the page raised."""
    assert not at.exception, [e.value for e in at.exception]


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    """Fill and submit the sign-in form shown on ``at``."""
    at.text_input(key="sign_in_user").input(username)
    at.text_input(key="sign_in_password").input(password)
    at.button[0].click()  # the form's submit button is the first button of the sign-in page
    at.run()
    return at


_VI_NUMBER = re.compile(r"^[−-]?\d{1,3}(\.\d{3})*(,\d+)?$")


def numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """A displayed table with its Vietnamese-formatted number columns ("1.911", "58,3") parsed
    back to numbers, so tests can compare them with the data layer."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if (
            pd.api.types.is_string_dtype(values)
            and len(values)
            and all(isinstance(v, str) and _VI_NUMBER.match(v) for v in values)
        ):
            parsed = [float(v.replace("−", "-").replace(".", "").replace(",", ".")) for v in values]
            out[column] = (
                [int(p) for p in parsed] if all(p.is_integer() for p in parsed) else parsed
            )
    return out
