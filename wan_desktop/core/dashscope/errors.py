"""What can go wrong talking to DashScope, sorted by what a caller can do about it.

Each error keeps the service's code, message and request id, and says in one sentence what happened in
words a person understands (``explanation``). ``retryable`` tells whether the same call may simply be made
again later; ``may_have_reached_service`` is the money question for a create: True means the task might
exist (and be charged), so the create must never be blindly repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from wan_desktop.core.i18n import _


class DashScopeError(Exception):
    retryable: bool = False
    may_have_reached_service: bool = True

    @classmethod
    def default_explanation(cls) -> str:
        return _("The video service reported an error.")

    def __init__(
        self,
        message: str = "",
        *,
        code: str = "",
        request_id: str = "",
        http_status: int | None = None,
        explanation: str | None = None,
    ) -> None:
        super().__init__(message or code or self.default_explanation())
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status
        self.explanation = explanation or self.default_explanation()

    def details(self) -> str:
        """Everything support would ask for, one field a line (copyable)."""
        lines = [self.explanation]
        if self.http_status is not None:
            lines.append(_("HTTP status: {status}").format(status=self.http_status))
        if self.code:
            lines.append(_("Code: {code}").format(code=self.code))
        if self.message:
            lines.append(_("Message: {message}").format(message=self.message))
        if self.request_id:
            lines.append(_("Request id: {request_id}").format(request_id=self.request_id))
        return "\n".join(lines)


class AuthError(DashScopeError):
    """The key is missing, wrong, or belongs to another region; or the account may not use this model."""

    @classmethod
    def default_explanation(cls) -> str:
        return _(
            "The API key was refused. Check that it is correct and that it belongs to the region chosen in Settings."
        )


class ThrottledError(DashScopeError):
    retryable = True
    may_have_reached_service = True  # it did reach the service, but the service did not act on it

    @classmethod
    def default_explanation(cls) -> str:
        return _("The service is busy with this account's requests; the app will try again shortly.")

    def __init__(self, *args, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class ContentRejectedError(DashScopeError):
    @classmethod
    def default_explanation(cls) -> str:
        return _("The service's content check rejected the input or the result. Try another image or prompt.")


class InvalidRequestError(DashScopeError):
    @classmethod
    def default_explanation(cls) -> str:
        return _("The service rejected the request's options.")


class BillingError(DashScopeError):
    @classmethod
    def default_explanation(cls) -> str:
        return _(
            "The account cannot be charged (overdue payment, no purchase, or quota used up). Check it in the "
            "Model Studio console."
        )


class ServerError(DashScopeError):
    retryable = True

    @classmethod
    def default_explanation(cls) -> str:
        return _("The video service had an internal problem; the app will try again.")


class NetworkError(DashScopeError):
    @classmethod
    def default_explanation(cls) -> str:
        return _("The connection to the video service failed.")


class NotSentError(NetworkError):
    """The request surely did not reach the service (DNS failure, connection refused): safe to retry."""

    retryable = True
    may_have_reached_service = False

    @classmethod
    def default_explanation(cls) -> str:
        return _("Could not connect to the video service. Check the internet connection.")


class AmbiguousNetworkError(NetworkError):
    """The request was sent, but the reply was lost: the service may have acted on it."""

    retryable = False
    may_have_reached_service = True

    @classmethod
    def default_explanation(cls) -> str:
        return _(
            "The connection dropped after the request was sent, so it is not known whether the service received it."
        )


class DownloadInterruptedError(NetworkError):
    """The video download broke off mid-way; resume from the bytes already on disk (downloads cost nothing)."""

    retryable = True
    may_have_reached_service = False

    @classmethod
    def default_explanation(cls) -> str:
        return _("The video download was interrupted; it will continue where it stopped.")


class LinkExpiredError(DashScopeError):
    @classmethod
    def default_explanation(cls) -> str:
        return _("The video's download link has expired (the service keeps results for 24 hours).")


class ProtocolError(DashScopeError):
    @classmethod
    def default_explanation(cls) -> str:
        return _("The service answered with something the app does not understand.")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request, found before anything is sent."""

    field: str
    value: object
    allowed: str

    def __str__(self) -> str:
        return _("{field}: {value!r} is not allowed; {allowed}").format(
            field=self.field, value=self.value, allowed=self.allowed
        )


class LocalValidationError(InvalidRequestError):
    """Raised before any network call: the request breaks the model's documented limits."""

    may_have_reached_service = False

    @classmethod
    def default_explanation(cls) -> str:
        return _("Some options are not allowed for this model.")

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        text = _("; ").join(str(p) for p in self.problems)
        super().__init__(text, code="LocalValidation", explanation=text)


class _ErrorFields(TypedDict):
    """The keyword arguments every DashScopeError takes besides the message, typed so one set serves all classes."""

    code: str
    request_id: str
    http_status: int | None
    explanation: str | None


_AUTH_CODES = {
    "InvalidApiKey",
    "NOT AUTHORIZED",
    "AccessDenied.Unpurchased",
    "Model.AccessDenied",
    "Workspace.AccessDenied",
    "Endpoint.AccessDenied",
    "AccessDenied",
    "WorkSpaceNotFound",
}
_CONTENT_CODES = {"DataInspectionFailed", "IPInfringementSuspect", "DataInspection"}
_BILLING_CODES = {
    "Arrearage",
    "CommodityNotPurchased",
    "PrepaidBillOverdue",
    "PostpaidBillOverdue",
    "AllocationQuota.FreeTierOnly",
    "Throttling.AllocationQuota",
}


def _explanation(code: str) -> str | None:
    """What the service's error code means for the person; None for a code without words of its own."""
    return {
        "InvalidApiKey": AuthError.default_explanation(),
        "Arrearage": _("The account is overdue. Top it up in the Alibaba Cloud console, then retry."),
        "Throttling.AllocationQuota": _("This model's quota for the account is used up. Raise it in the console."),
        "AllocationQuota.FreeTierOnly": _("The free quota is used up and 'free tier only' is switched on."),
        "DataInspectionFailed": _("The content check flagged the image, prompt or result as inappropriate."),
        "IPInfringementSuspect": _("The service suspects the input infringes intellectual property."),
        "ModelUnavailable": _("The model is temporarily unavailable; the app will try again."),
        "InternalError.Timeout": _("The service gave up after the task ran for more than 3 hours."),
        "Model.AccessDenied": _("This account or workspace may not use this model. Activate it in the console."),
        "AccessDenied.Unpurchased": _("This model has not been activated for the account."),
        "Endpoint.AccessDenied": _("This model is not available at the chosen region's endpoint."),
    }.get(code)


def error_for(
    http_status: int | None,
    code: str,
    message: str,
    request_id: str = "",
    retry_after: float | None = None,
) -> DashScopeError:
    """Map a service error (a reply body, or a FAILED task's code) to the class a caller acts on."""
    code = code or ""
    kwargs = _ErrorFields(code=code, request_id=request_id, http_status=http_status, explanation=_explanation(code))
    if code in _BILLING_CODES:
        return BillingError(message, **kwargs)
    if code in _CONTENT_CODES or code.startswith("DataInspection"):
        return ContentRejectedError(message, **kwargs)
    if http_status == 429 or code.startswith("Throttling"):
        return ThrottledError(message, retry_after=retry_after, **kwargs)
    if http_status in (401, 403) or code in _AUTH_CODES:
        return AuthError(message, **kwargs)
    if http_status is not None and http_status >= 500:
        return ServerError(message, **kwargs)
    if code.startswith("InternalError") or code in ("SystemError", "ModelUnavailable", "RequestTimeOut"):
        return ServerError(message, **kwargs)
    if (http_status is not None and 400 <= http_status < 500) or code:
        return InvalidRequestError(message, **kwargs)
    return ProtocolError(message, **kwargs)


def model_gone(error: DashScopeError) -> bool:
    """The service does not know the model (retired, or never in this region): no retry can help."""
    text = (error.message or "").lower()
    return error.code in ("ModelNotFound", "Model.NotFound") or "model not exist" in text or "model not found" in text
