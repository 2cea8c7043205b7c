"""Page nav_overview (being written)."""

from __future__ import annotations

from typing import Any

from dash import html

PATH = "/"
NAV = "nav_overview"
STAFF_ONLY = False


def layout(ctx: Any) -> Any:
    return html.Div(html.H1(NAV), className="page", id="page-overview")


def register(app: Any, data: Any) -> None:
    return None
