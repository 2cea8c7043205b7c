"""Page nav_unserved (being written)."""

from __future__ import annotations

from typing import Any

from dash import html

PATH = "/pme-non-accompagnees"
NAV = "nav_unserved"
STAFF_ONLY = True


def layout(ctx: Any) -> Any:
    return html.Div(html.H1(NAV), className="page", id="page-unserved")


def register(app: Any, data: Any) -> None:
    return None
