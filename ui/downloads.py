"""Download buttons that export exactly the frame shown: CSV (UTF-8 with BOM) and Excel."""

from __future__ import annotations

import io
import re

import pandas as pd
import streamlit as st

from .i18n import t

EXCEL_SHEET_MAX = 31  # Excel's limit on sheet-name length


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV with a BOM so Excel opens Vietnamese text correctly."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def to_xlsx(frame: pd.DataFrame, sheet: str) -> bytes:
    """An .xlsx with real numeric cells, Vietnamese-readable number formats and a frozen header."""
    buffer = io.BytesIO()
    name = re.sub(r"[\[\]\:\*\?\/\\]", " ", sheet)[:EXCEL_SHEET_MAX] or "Sheet1"
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=name)
        ws = writer.sheets[name]
        ws.freeze_panes = "A2"
        for idx, column in enumerate(frame.columns, start=1):
            letter = ws.cell(row=1, column=idx).column_letter
            width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
            ws.column_dimensions[letter].width = min(max(10, width + 2), 60)
            if pd.api.types.is_float_dtype(frame[column]):
                fmt = "0.0%" if str(column).endswith("%") else "#,##0.00"
            elif pd.api.types.is_integer_dtype(frame[column]):
                fmt = "#,##0"
            else:
                continue
            for cell in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell[0].number_format = fmt
    return buffer.getvalue()


def download_buttons(frame: pd.DataFrame, name: str, lang: str, key: str) -> None:
    """CSV and Excel buttons side by side for ``frame``."""
    # data= takes a callable: the files are built only when a button is pressed, so a page with
    # many tables does not pay for Excel generation on every rerun; on_click="ignore" skips the
    # rerun a download would otherwise cause.
    left, right = st.columns(2)
    left.download_button(
        t("download_csv", lang),
        lambda: to_csv(frame),
        file_name=f"{name}.csv",
        on_click="ignore",
        mime="text/csv",
        key=f"{key}_csv",
        width="stretch",
    )
    right.download_button(
        t("download_xlsx", lang),
        lambda: to_xlsx(frame, name),
        file_name=f"{name}.xlsx",
        on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        width="stretch",
    )
