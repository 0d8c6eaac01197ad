"""Start the dashboard: ``streamlit run serve.py`` (same flags as ``streamlit run app.py``).

``streamlit run`` sees ``app = st.App(...)`` here and serves app.py through Streamlit's ASGI
server together with the dashboard's own route (auth/web.py), which sets the HttpOnly cookie
that keeps a user signed in across a reload. ``uvicorn serve:app`` works too.
"""

import streamlit as st

from auth.web import routes

app = st.App("app.py", routes=routes())
