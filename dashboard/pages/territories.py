"""Page nav_territories (being written)."""

from __future__ import annotations

from typing import Any

from dash import html

PATH = "/territoires"
NAV = "nav_territories"
STAFF_ONLY = False


def layout(ctx: Any) -> Any:
    return html.Div(html.H1(NAV), className="page", id="page-territories")


def register(app: Any, data: Any) -> None:
    return None
