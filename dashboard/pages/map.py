"""Page nav_map (being written)."""

from __future__ import annotations

from typing import Any

from dash import html

PATH = "/carte"
NAV = "nav_map"
STAFF_ONLY = False


def layout(ctx: Any) -> Any:
    return html.Div(html.H1(NAV), className="page", id="page-map")


def register(app: Any, data: Any) -> None:
    return None
