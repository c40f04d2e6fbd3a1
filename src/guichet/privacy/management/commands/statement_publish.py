from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guichet.core.actor import SYSTEM
from guichet.privacy.statement_versions import statement_publish, summary_languages


class Command(BaseCommand):
    help = (
        "Publish a new version of the privacy statement (P35) with its summary of changes in every "
        "language. Every account is emailed the summary; the version takes effect after "
        "GUICHET_STATEMENT_OBJECTION_DAYS for everyone who did not object."
    )

    def add_base_argument(self, parser: CommandParser, *args: Any, **kwargs: Any) -> None:
        # "--version" is the statement's version here, not Django's.
        if args != ("--version",):
            super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--version", dest="number", type=int, required=True, help="the new version number")
        for code, name in summary_languages():
            parser.add_argument(
                f"--summary-{code}", dest=f"summary_{code}", default="", help=f"summary of changes in {name}"
            )

    def handle(self, *args: Any, number: int, **options: Any) -> None:
        summary = {code: options.get(f"summary_{code}") or "" for code, _name in summary_languages()}
        try:
            published = statement_publish(actor=SYSTEM, version=number, summary=summary)
        except ValidationError as error:
            lines = [f"{field}: {message}" for field, messages in error.message_dict.items() for message in messages]
            raise CommandError("Not published.\n" + "\n".join(lines)) from None
        effective = timezone.localtime(published.effective_at)
        self.stdout.write(
            self.style.SUCCESS(
                f"Version {published.version} published. It takes effect on {effective:%Y-%m-%d %H:%M} "
                "for everyone who does not object before then. The emails go out through the task queue."
            )
        )
