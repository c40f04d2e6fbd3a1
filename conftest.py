"""Loaded before Django is set up: tests always run with the test configuration."""

import os

os.environ.setdefault("GUICHET_TESTING", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
