"""Page nav_activation (being written)."""

from __future__ import annotations

from typing import Any

from dash import html

PATH = "/activation"
NAV = "nav_activation"
STAFF_ONLY = False


def layout(ctx: Any) -> Any:
    return html.Div(html.H1(NAV), className="page", id="page-activation")


def register(app: Any, data: Any) -> None:
    return None
