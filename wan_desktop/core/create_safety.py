"""The money rules of sending a create, as small pure functions.

A create is charged once its task succeeds, so sending one twice can charge twice. These functions decide,
from what came back, whether the task surely does not exist (send again), may exist (look for it), or was
refused; and, when looking for it, what the task list shows.
"""

from __future__ import annotations

from enum import Enum

from wan_desktop.core.dashscope.errors import (
    AuthError,
    BillingError,
    DashScopeError,
    NotSentError,
    ServerError,
    ThrottledError,
)


class CreateFailure(str, Enum):
    NOT_CREATED = "not_created"  # never left this machine, or the service itself said "not now": send again later
    REFUSED_ACCOUNT = "refused_account"  # key or account refused: nothing created; stop until the person acts
    REJECTED = "rejected"  # the service refused the request itself: nothing created; the job fails
    UNCERTAIN = "uncertain"  # the task may exist: never send again without looking for it first


def classify_create_failure(error: DashScopeError) -> CreateFailure:
    # The service's own JSON error (a code) proves it answered without creating. A bare 502/504 from a
    # gateway, or a reply that could not be read, proves nothing: the request may have gone through.
    answered = error.http_status is not None and error.code not in ("", "Unknown")
    if isinstance(error, NotSentError) or (answered and isinstance(error, (ThrottledError, ServerError))):
        return CreateFailure.NOT_CREATED
    if answered and isinstance(error, (AuthError, BillingError)):
        return CreateFailure.REFUSED_ACCOUNT
    if answered and error.http_status is not None and 400 <= error.http_status < 500:
        return CreateFailure.REJECTED
    return CreateFailure.UNCERTAIN


class SearchVerdict(str, Enum):
    ADOPT = "adopt"  # exactly one unowned task fits, and no other lost create could own it
    AMBIGUOUS = "ambiguous"  # more than one candidate (or a rival lost create): the person decides
    SEARCH_AGAIN = "search_again"  # nothing yet; the list may lag
    ABSENT = "absent"  # nothing after every search: the create never arrived


def search_verdict(
    candidates: int, rival_lost_creates: int, searches_done: int, searches_planned: int
) -> SearchVerdict:
    if candidates == 1 and rival_lost_creates == 0:
        return SearchVerdict.ADOPT
    if candidates:
        return SearchVerdict.AMBIGUOUS
    if searches_done < searches_planned:
        return SearchVerdict.SEARCH_AGAIN
    return SearchVerdict.ABSENT
