#!/usr/bin/env python
"""Every operator command: migrate, runserver, worker (run_huey), backup, promises, ..."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
