"""The annual territorial report (HTML and PDF) with statistical disclosure control.

>>> from report import build_report  # doctest: +SKIP
>>> build_report("demo.gpkg", 2025, "34", compare_year=2024, out="rapport34")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_report", "report_content"]


def build_report(*args: Any, **kwargs: Any) -> Any:
    """:func:`report.render.build_report` (imported on first use: WeasyPrint is heavy)."""
    from .render import build_report as _build

    return _build(*args, **kwargs)


def report_content(*args: Any, **kwargs: Any) -> Any:
    """:func:`report.content.report_content`."""
    from .content import report_content as _content

    return _content(*args, **kwargs)
