"""Browser tests drive Debian's Chromium through Playwright (never a browser Playwright
downloads). In CI a missing Chromium fails the test; locally it skips."""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import missing_service

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium_path():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        missing_service("needs Debian's Chromium: apt-get install -y chromium")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    # Playwright's sync API runs an event loop in this thread; the live server and the ORM calls
    # made by the test itself are synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


UITVOER = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def uitvoer(request) -> Path:
    """The test's output folder (test-results/<test>/, git-ignored), for its screenshot."""
    map_ = UITVOER / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    map_.mkdir(parents=True, exist_ok=True)
    return map_
