"""Đầm Hà welfare dashboard — the router: page config, the page list, run.

Run with ``streamlit run app.py``; with nothing configured it opens the built-in demo database.
"""

import streamlit as st

from auth.session import SESSION_USER
from ui.i18n import t
from ui.page import current_lang
from ui.style import apply as apply_tablet_style

st.set_page_config(
    page_title="An sinh xã hội Đầm Hà",
    page_icon="🏛️",
    layout="wide",
    initial_sidebar_state="collapsed",
)
apply_tablet_style()

lang = current_lang()
pages = [
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
    st.Page("pages/coverage.py", title=t("nav_coverage", lang), icon="🩺", url_path="bao-phu"),
    st.Page("pages/housing.py", title=t("nav_housing", lang), icon="🏠", url_path="nha-o"),
    st.Page(
        "pages/training.py", title=t("nav_training", lang), icon="🎓", url_path="dao-tao-viec-lam"
    ),
    st.Page("pages/payouts.py", title=t("nav_payouts", lang), icon="💵", url_path="chi-tra"),
    st.Page("pages/commune.py", title=t("nav_commune", lang), icon="📍", url_path="xa"),
    st.Page("pages/briefing.py", title=t("nav_briefing", lang), icon="📝", url_path="bao-cao-quy"),
    st.Page("pages/quality.py", title=t("nav_quality", lang), icon="✅", url_path="kiem-tra"),
]
user = st.session_state.get(SESSION_USER)
if user is not None and user.scope().persons:  # the page itself checks again, as does data_access
    pages.append(
        st.Page("pages/persons.py", title=t("nav_persons", lang), icon="👥", url_path="danh-sach")
    )
st.navigation(pages, position="top").run()
