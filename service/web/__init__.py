"""The reader/journalist web page: plain static HTML, CSS and JS (no build step, nothing fetched from
outside), served by service/api/pages.py and calling the JSON API."""

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
