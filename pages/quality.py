"""Placeholder until the page lands."""

from ui.page import setup

setup("nav_quality")
