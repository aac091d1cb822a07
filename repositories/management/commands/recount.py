"""manage.py recount: rebuild the catalog's kept counts (repositories/counts.py) from the table.

The write paths keep them; this is for a database written behind their back (a restored dump, a
hand-made SQL change). It prints what was wrong; exit code 0 either way.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from repositories import counts


class Command(BaseCommand):
    help = "Rebuild the catalog's counts (health, verdicts, languages, labels) from the repositories."

    def handle(self, *args, **options):
        wrong = counts.recount()
        for (kind, value), (kept, counted) in wrong.items():
            self.stdout.write(f"{kind} {value or '(none)'}: {kept:,} kept, {counted:,} counted")
        self.stdout.write(f"Corrected {len(wrong):,} counts." if wrong else "The kept counts were right.")
