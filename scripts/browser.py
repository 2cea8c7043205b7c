"""Debian's headless Chromium for the screenshot scripts and the dashboard benchmark.

Every host but loopback is unresolvable, so a page that fetched anything remote would
show it; background networking is off (the machine's network is closed anyway).
Needs selenium (pip) and chromium + chromedriver (apt).
"""

from __future__ import annotations

import shutil
from typing import Any

CHROME_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


def headless_chrome(width: int = 1400, height: int = 1000) -> Any:
    """A selenium driver of headless Chromium with a window of ``width`` x ``height``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chrome = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chrome or not driver_path:
        raise SystemExit("chromium and chromedriver are needed (apt install chromium "
                         "chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chrome
    for arg in (*CHROME_ARGS, f"--window-size={width},{height}"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver_path), options=options)
