"""`manage.py runschedules --once`: start the schedules that are due (and the confirmation
rechecks), then exit; for cron users who do not run the upkeep job. Without --once it does
so every UPKEEP_INTERVAL_SECONDS until Ctrl-C."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from watch import schedules


class Command(BaseCommand):
    help = "Start the scans that schedules (and rechecks of dead answers) make due now."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="start what is due, then exit")

    def handle(self, *args, once: bool = False, **options):
        while True:
            started = schedules.start_due_schedules()
            rechecked = schedules.start_dead_rechecks()
            self.stdout.write(f"{started} scheduled scan{'' if started == 1 else 's'} started; "
                              f"{rechecked} suspected repositor{'y' if rechecked == 1 else 'ies'} to recheck")
            if once:
                return
            try:
                time.sleep(settings.UPKEEP_INTERVAL_SECONDS)
            except KeyboardInterrupt:
                return
