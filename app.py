"""The welfare dashboard — the router: page config, the page list, run.

Start it with ``streamlit run serve.py`` (app.py plus the sign-in cookie route); with nothing
configured it opens the built-in demo database.

The top bar holds four items, so that it fits a portrait tablet (768 px leaves ~490 px for the
pages): the overview and the commune view, then two menus, "Lĩnh vực" (the four topic pages)
and "Báo cáo" (briefing, data checks, person lists). Nine pages side by side do not fit, and
Streamlit folds the rest into a menu labelled in English ("6 more") that no option can rename.
"""

import streamlit as st
from sqlalchemy.exc import DBAPIError

from auth.session import current_user
from data_access.errors import WelfareDataError
from data_access.organisation import app_title
from i18n import Catalog, choose
from ui import data
from ui.i18n import t
from ui.page import current_lang
from ui.style import apply as apply_tablet_style


@st.cache_data(ttl=600, show_spinner=False)
def deployment_title(db_key: str) -> tuple[str, str]:
    """The dashboard's title as the database names it (``dataset_info``), per database."""
    with data.database().engine.connect() as conn:
        return app_title(conn)


def page_title(lang: str) -> str:
    """The browser tab's title from the data; the generic one while the database does not
    answer (its page says why)."""
    try:
        vi, en = deployment_title(data.database().key)
    except (WelfareDataError, DBAPIError):
        return t("app_title", lang)
    return choose(lang, vi, en)


lang = current_lang()
st.set_page_config(
    page_title=page_title(lang),
    page_icon="🏛️",
    layout="wide",
    initial_sidebar_state="collapsed",
)
apply_tablet_style()

T = Catalog(
    "app",
    {
        "topics": ("Lĩnh vực", "Topics"),
        "reports": ("Báo cáo", "Reports"),
    },
)

main = [
    # Streamlit serves the default page at "/"; the hidden alias keeps /tong-quan links working.
    st.Page(
        "pages/overview.py",
        title=t("nav_overview", lang),
        icon="📊",
        default=True,
        url_path="trang-chu",
    ),
    st.Page(
        "pages/overview.py",
        title=t("nav_overview", lang),
        icon="📊",
        url_path="tong-quan",
        visibility="hidden",
    ),
    st.Page("pages/commune.py", title=t("nav_commune", lang), icon="📍", url_path="xa"),
]
topics = [
    st.Page("pages/coverage.py", title=t("nav_coverage", lang), icon="🩺", url_path="bao-phu"),
    st.Page("pages/housing.py", title=t("nav_housing", lang), icon="🏠", url_path="nha-o"),
    st.Page(
        "pages/training.py", title=t("nav_training", lang), icon="🎓", url_path="dao-tao-viec-lam"
    ),
    st.Page("pages/payouts.py", title=t("nav_payouts", lang), icon="💵", url_path="chi-tra"),
]
reports = [
    st.Page("pages/briefing.py", title=t("nav_briefing", lang), icon="📝", url_path="bao-cao-quy"),
    st.Page("pages/quality.py", title=t("nav_quality", lang), icon="✅", url_path="kiem-tra"),
]
# Every page's address exists before sign-in, so a deep link (/danh-sach?xa=06913) shows the
# sign-in form on that page, and the form's rerun opens it with its query string. The person
# lists are in the bar only for a user who may see them; for anyone else the address still
# answers, with the page's own refusal (data_access refuses too).
user = current_user()
may_see_persons = user is not None and user.scope().persons
reports.append(
    st.Page(
        "pages/persons.py",
        title=t("nav_persons", lang),
        icon="👥",
        url_path="danh-sach",
        visibility="visible" if may_see_persons else "hidden",
    )
)
# The import page: in the bar for a data clerk only (anyone else at its address is refused).
reports.append(
    st.Page(
        "pages/ingest.py",
        title=t("nav_ingest", lang),
        icon="📥",
        url_path="nhap-so-lieu",
        visibility="visible" if user is not None and user.may_load else "hidden",
    )
)
# The access log: in the bar for district leadership only (anyone else is refused).
reports.append(
    st.Page(
        "pages/audit_log.py",
        title=t("nav_audit", lang),
        icon="🔏",
        url_path="nhat-ky",
        visibility="visible" if user is not None and user.may_audit else "hidden",
    )
)
# "" = no menu: those pages stand in the bar itself, before the two menus.
pages = {"": main, T("topics", lang): topics, T("reports", lang): reports}
st.navigation(pages, position="top").run()
