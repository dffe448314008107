"""The HMPPS event side of the intake, put together from settings."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from ..service_layer.intake import IntakeService
from .cases import ProbationCaseSource
from .file_source import FileCaseSource
from .http_source import HttpCaseSource
from .processing import ProbationEvents, RetryPolicy
from .retries import RetryWorker

# file:PATH, or http:BASEURL where BASEURL is absolute (http: alone would be read as a path).
HTTP_BASE = r"https?://[^/?#\s]+"
CASE_SOURCE_FORMAT = rf"^(file:.+|(https?:)?{HTTP_BASE}\S*)$"


def case_source_from(spec: str | None, *, timeout: float = 5.0) -> ProbationCaseSource | None:
    """`file:PATH` → the JSON file; `http:BASEURL` (or a plain http(s):// URL) → the case API."""
    if not spec:
        return None
    kind, _, rest = spec.partition(":")
    if kind == "file" and rest:
        return FileCaseSource(rest)
    base = spec if rest.startswith("//") else rest
    if kind in ("http", "https") and re.match(HTTP_BASE, base):
        return HttpCaseSource(base, timeout=timeout)
    raise ValueError("a probation case source is file:PATH or http:BASEURL, BASEURL an absolute "
                     "http(s):// URL with a host")


@dataclass
class HmppsEvents:
    events: ProbationEvents
    retries: RetryWorker


def hmpps_events(settings, service: IntakeService) -> HmppsEvents:
    source = case_source_from(settings.probation_case_source, timeout=settings.probation_case_timeout_seconds)
    retry = RetryPolicy(timedelta(seconds=settings.hmpps_retry_first_seconds),
                        timedelta(seconds=settings.hmpps_retry_longest_seconds))
    events = ProbationEvents(service, source, retry)
    return HmppsEvents(events, RetryWorker(events, poll_seconds=settings.hmpps_retry_poll_seconds))
