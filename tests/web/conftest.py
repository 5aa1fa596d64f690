"""Browser fixtures: headless Debian Chromium driven by Selenium, pointed at `live_server` (the
session's app served by uvicorn on a free local port, tests/conftest.py). Chromium is required, not
optional: when it is missing the tests fail with how to install it, so CI can never pass them by skipping."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

from webtools import DESKTOP, screenshot, set_viewport

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(f"browser tests need {' and '.join(missing)}: run `make test` (it installs them) or "
                    "`apt-get install -y --no-install-recommends chromium chromium-driver`", pytrace=False)
    options = Options()
    options.binary_location = str(CHROMIUM)  # with the driver path below, Selenium Manager never runs
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, live_server, request):
    """A desktop-sized browser for one test; its last screen is saved, pass or fail."""
    set_viewport(browser, DESKTOP)
    yield browser
    screenshot(browser, request.node.name)
