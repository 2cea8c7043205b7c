"""Page nav_data (being written)."""

from __future__ import annotations

from typing import Any

from dash import html

PATH = "/donnees"
NAV = "nav_data"
STAFF_ONLY = False


def layout(ctx: Any) -> Any:
    return html.Div(html.H1(NAV), className="page", id="page-data")


def register(app: Any, data: Any) -> None:
    return None
