"""A pass of work repeated in the background of a service: retries, birthday announcements."""
from __future__ import annotations

import asyncio
import contextlib
import logging


class Periodic:
    """Runs `run_due()` every `poll_seconds` in a background task, from `start()` until `stop()`.

    A failed pass is logged and the next one tries again: a database outage must not end the
    job for good. Subclasses set `task_name` and `poll_seconds` and define `run_due`.
    """
    task_name = "periodic"
    poll_seconds: float
    _task: asyncio.Task | None = None

    async def run_due(self) -> int:
        raise NotImplementedError

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:  # noqa: BLE001 - see the class docstring
                logging.getLogger(type(self).__module__).exception(
                    "%s pass failed; trying again next interval", self.task_name)
            await asyncio.sleep(self.poll_seconds)
