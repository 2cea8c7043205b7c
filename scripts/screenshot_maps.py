"""Screenshot of the demo combined map for the docs (``docs/img/map_combined.png``).

Builds the demo registry (unless ``--registry`` is given), saves the combined map as
an offline HTML page and photographs it in headless Chromium with the network blocked.

Usage::

    .venv/bin/python scripts/screenshot_maps.py [--registry demo.gpkg] [--year 2025]
        [--html /tmp/map_combined.html] [--out docs/img/map_combined.png]

Needs selenium (pip) and chromium + chromedriver (apt).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import maps  # noqa: E402
from ecosystem.demo import build_demo  # noqa: E402
from ecosystem.registry import Registry  # noqa: E402
from scripts.browser import headless_chrome  # noqa: E402


def screenshot(page: Path, out: Path, width: int = 1400, height: int = 1000) -> None:
    """Open ``page`` in headless Chromium (no network) and save a PNG to ``out``."""
    driver = headless_chrome(width, height)
    try:
        driver.get(page.resolve().as_uri())
        time.sleep(1.5)  # let the marker clusters settle
        out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(out))
    finally:
        driver.quit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", type=Path, help="registry (default: build the demo)")
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--html", type=Path, default=None, help="where to keep the HTML page")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "map_combined.png")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.registry is None:
            registry = build_demo(Path(tmp) / "demo.gpkg")
        else:
            registry = Registry(args.registry)
        page = args.html or Path(tmp) / "map_combined.html"
        maps.save_map(maps.build_map(registry, args.year, "combined"), page)
        print(f"{page}: {page.stat().st_size / 1e6:.2f} MB")
        screenshot(page, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
