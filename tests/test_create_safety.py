"""The money rules, case by case: which create failures may be sent again, and what a task-list search means."""

from __future__ import annotations

import pytest

from wan_desktop.core.create_safety import CreateFailure, SearchVerdict, classify_create_failure, search_verdict
from wan_desktop.core.dashscope.errors import (
    AmbiguousNetworkError,
    AuthError,
    BillingError,
    ContentRejectedError,
    InvalidRequestError,
    NotSentError,
    ProtocolError,
    ServerError,
    ThrottledError,
)

F = CreateFailure


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (NotSentError("connection refused", code="NetworkError"), F.NOT_CREATED),
        (ThrottledError("rate", code="Throttling.RateQuota", http_status=429, retry_after=1), F.NOT_CREATED),
        (ServerError("oops", code="InternalError", http_status=500), F.NOT_CREATED),
        (ServerError("busy", code="ModelUnavailable", http_status=503), F.NOT_CREATED),
        # a gateway's bare 502/504 (no service code) may hide a task the backend did create
        (ServerError("<html>502 Bad Gateway</html>", code="Unknown", http_status=502), F.UNCERTAIN),
        (ServerError("", code="", http_status=504), F.UNCERTAIN),
        (AmbiguousNetworkError("read timeout", code="NetworkError"), F.UNCERTAIN),
        (ProtocolError("200 without a task id", code="Protocol", http_status=200), F.UNCERTAIN),
        (AuthError("Invalid API-key provided.", code="InvalidApiKey", http_status=401), F.REFUSED_ACCOUNT),
        (BillingError("overdue", code="Arrearage", http_status=400), F.REFUSED_ACCOUNT),
        (InvalidRequestError("bad", code="InvalidParameter", http_status=400), F.REJECTED),
        (ContentRejectedError("no", code="DataInspectionFailed", http_status=400), F.REJECTED),
    ],
)
def test_create_failures(error, expected):
    assert classify_create_failure(error) is expected


@pytest.mark.parametrize(
    ("candidates", "rivals", "done", "planned", "expected"),
    [
        (1, 0, 1, 3, SearchVerdict.ADOPT),
        (1, 1, 1, 3, SearchVerdict.AMBIGUOUS),  # another lost create of the same model could own it
        (2, 0, 1, 3, SearchVerdict.AMBIGUOUS),
        (0, 0, 1, 3, SearchVerdict.SEARCH_AGAIN),
        (0, 2, 2, 3, SearchVerdict.SEARCH_AGAIN),
        (0, 0, 3, 3, SearchVerdict.ABSENT),
    ],
)
def test_search_verdicts(candidates, rivals, done, planned, expected):
    assert search_verdict(candidates, rivals, done, planned) is expected
