"""Which detailUrls the HTTP case source will request: only those that stay under its base URL
once the client has resolved them."""
import pytest

from pathways_intake.hmpps.http_source import HttpCaseSource
from pathways_intake.hmpps.messages import CaseIdentifiers

BASE = "http://cases.internal:8080/api"


@pytest.mark.parametrize("url", [f"{BASE}/events/1", f"{BASE}/events/1?page=2", f"{BASE}/a/./b"])
def test_a_detail_url_under_the_base_is_followed(url):
    assert HttpCaseSource(BASE).under_base(url)


@pytest.mark.parametrize("url", [
    f"{BASE}/../admin/P100001",            # resolved by the client to /admin/P100001
    f"{BASE}/%2e%2e/admin/P100001",
    f"{BASE}/events/%2E%2E/%2e%2e/admin",
    f"{BASE}x/events/1",                   # another path that merely starts alike
    "http://cases.internal:8080/admin",
    "http://cases.internal:8081/api/events/1",
    "https://cases.internal:8080/api/events/1",
    "http://cases.internal:8080@evil.example/api/events/1",
    f"{BASE}/events/\x00x", f"{BASE}/events/a\nb", f"{BASE}/events/a\tb",
    f"{BASE}/events/" + "a" * 70_000,       # longer than the client will build
])
def test_a_detail_url_leaving_the_base_or_unusable_is_not(url):
    assert not HttpCaseSource(BASE).under_base(url)
    assert HttpCaseSource(BASE).urls(CaseIdentifiers(crn="X123456", detail_url=url)) == [f"{BASE}/cases/crn/X123456"]
