"""Database text inside Streamlit calls that read Markdown (headers, captions, link labels).

Commune names and other stored text are shown as text, never as Markdown or HTML: ``plain``
escapes every character Markdown gives a meaning, so a name such as ``*Xã* [A](x)`` shows as
typed. Tables (st.table, st.dataframe) and st.text need no escaping.
"""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """``text`` escaped for st.markdown, st.caption, st.subheader or a page link's label."""
    return _MARKDOWN.sub(r"\\\1", text)
