"""Page nav_network (being written)."""

from __future__ import annotations

from typing import Any

from dash import html

PATH = "/reseau"
NAV = "nav_network"
STAFF_ONLY = False


def layout(ctx: Any) -> Any:
    return html.Div(html.H1(NAV), className="page", id="page-network")


def register(app: Any, data: Any) -> None:
    return None
