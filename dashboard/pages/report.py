"""Page nav_report (being written)."""

from __future__ import annotations

from typing import Any

from dash import html

PATH = "/rapport"
NAV = "nav_report"
STAFF_ONLY = False


def layout(ctx: Any) -> Any:
    return html.Div(html.H1(NAV), className="page", id="page-report")


def register(app: Any, data: Any) -> None:
    return None
