"""The in-process ticker: one APScheduler job that runs core.tick.run_tick every minute.

Due dates are data (principle 1), so the scheduler holds no job per customer: the tick at
start-up catches up whatever fell due while the console was off, and every later tick does the
same for the last minute. The work runs in a thread so the web pages stay responsive."""
from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core import clock
from core.runtime import Runtime
from core.tick import TickReport, run_tick

log = logging.getLogger("kundenpilot.scheduler")
JOB_ID = "tick"


class Ticker:
    """Owns the AsyncIOScheduler; start() must be called with the event loop running."""

    def __init__(self, runtime: Runtime, interval_seconds: int = 60) -> None:
        self.runtime = runtime
        self.interval_seconds = interval_seconds
        self.scheduler: AsyncIOScheduler | None = None
        self.last_report: TickReport | None = None
        self.last_error: str = ""
        self.ticks = 0
        self.ticked: asyncio.Event | None = None  # set after every tick (tests wait on it)

    def start(self) -> None:
        self.ticked = asyncio.Event()
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        # next_run_time=now: the first tick is the catch-up after downtime.
        self.scheduler.add_job(
            self._tick, "interval", seconds=self.interval_seconds, id=JOB_ID,
            next_run_time=datetime.now(UTC), max_instances=1, coalesce=True,
            misfire_grace_time=self.interval_seconds,
        )
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.tick_once)
        self.ticks += 1
        if self.ticked is not None:
            self.ticked.set()

    def tick_once(self) -> TickReport | None:
        """One tick as of the clock's now; errors are logged, the next tick tries again."""
        try:
            settings = self.runtime.settings()
            report = run_tick(self.runtime.db, settings, clock.now(),
                              dev_port=self.runtime.dev_port)
        except Exception as exc:  # noqa: BLE001 - a failing tick must not stop the ticker
            log.exception("tick failed")
            self.last_error = str(exc)
            return None
        self.last_report, self.last_error = report, ""
        if report.fired or report.suppressed or (report.drain and report.drain.sent):
            log.info("; ".join(report.lines(settings.timezone)))
        return report
