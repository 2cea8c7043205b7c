"""Screenshots of the dashboard's pages for the README (``docs/img/dashboard_*.png``).

Serves the dashboard on a registry (the demo by default) on loopback, signs in as a
staff user made up for the run, opens every page in headless Chromium (network
closed but for loopback) and saves one PNG per page.

Usage::

    .venv/bin/python scripts/screenshot_dashboard.py [--registry demo.gpkg]
        [--out docs/img] [--pages overview,map,network]

Needs selenium (pip) and chromium + chromedriver (apt).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard import create_app  # noqa: E402
from dashboard.app import PAGE_MODULES, pages  # noqa: E402
from dashboard.auth import hash_password  # noqa: E402
from dashboard.warm import warm  # noqa: E402
from ecosystem.demo import build_demo  # noqa: E402
from scripts.browser import headless_chrome  # noqa: E402

USER, PASSWORD = "capture", "capture-only-password"


def _settled(driver, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page is rendered and no Dash callback is running."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: d.execute_script(
        "return !!document.querySelector('#page .page') && "
        "!document.querySelector('[data-dash-is-loading=true]')"))
    time.sleep(2.0)  # figures, iframes and cytoscape layouts finish drawing


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", help="registry GeoPackage (default: build the demo)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "img"))
    ap.add_argument("--pages", default=",".join(PAGE_MODULES),
                    help="comma-separated page modules to photograph")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1000)
    args = ap.parse_args(argv)

    from selenium.webdriver.common.by import By
    from werkzeug.serving import make_server

    with tempfile.TemporaryDirectory() as tmp:
        registry = args.registry
        if registry is None:
            registry = str(Path(tmp) / "demo.gpkg")
            build_demo(registry)
        app = create_app(registry, users={USER: hash_password(PASSWORD)},
                         secret_key="screenshot-only-" + "0" * 32)
        warm(app)
        server = make_server("127.0.0.1", 0, app.server, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        driver = headless_chrome(args.width, args.height)
        try:
            driver.get(url + "/login")
            driver.find_element(By.NAME, "username").send_keys(USER)
            driver.find_element(By.NAME, "password").send_keys(PASSWORD)
            driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wanted = [p.strip() for p in args.pages.split(",") if p.strip()]
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            for mod in pages():
                name = mod.__name__.rsplit(".", 1)[-1]
                if name not in wanted:
                    continue
                driver.get(url + mod.PATH)
                _settled(driver)
                target = out / f"dashboard_{name}.png"
                driver.save_screenshot(str(target))
                print(f"Wrote {target}")
        finally:
            driver.quit()
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
