"""Start the dashboard: ``streamlit run serve.py`` (same flags as ``streamlit run app.py``).

``streamlit run`` sees ``app = st.App(...)`` here and serves app.py through Streamlit's ASGI
server together with the dashboard's own route (auth/web.py), which sets the HttpOnly cookie
that keeps a user signed in across a reload. ``uvicorn serve:app`` works too (set
``WELFARE_WARMUP_URL`` to its address for the warm-up below).

As it starts, the server runs app.py once in a session of its own (``ui.warm_up``), so that the
first visitor who arrives on a deep link after a restart sees the page, not Streamlit's false
"Page not found".
"""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

from auth.web import routes
from ui.warm_up import base_url, warm_up


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    """Warm up in the background once the server listens; stop doing so at shutdown."""
    # Under ``uvicorn serve:app --port N`` Streamlit's options do not know the port: set
    # WELFARE_WARMUP_URL (http://127.0.0.1:N) there.
    url = os.environ.get("WELFARE_WARMUP_URL") or base_url(
        st.get_option("server.address"),
        int(st.get_option("server.port")),
        str(st.get_option("server.baseUrlPath") or ""),
    )
    task = asyncio.create_task(warm_up(url))
    try:
        yield None
    finally:
        task.cancel()


app = st.App("app.py", routes=routes(), lifespan=lifespan)
