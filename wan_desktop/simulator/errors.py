"""The simulator's own error: an HTTP status plus the service's ``{request_id, code, message}`` body."""

from __future__ import annotations


class ApiError(Exception):
    """Raised anywhere while handling a request; the handler turns it into the service's error reply."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def invalid(message: str) -> ApiError:
    return ApiError(400, "InvalidParameter", message)


URL_ERROR = "url error, please check url!"
DOWNLOAD_FAILED = "Failed to download multimodal content."
BAD_URL = "The provided URL does not appear to be valid. Ensure it is correctly formatted."
CANCEL_REFUSED = "Failed to cancel the task, please confirm if the task is in PENDING status."
SYNC_REFUSED = "current user api does not support synchronous calls."
NO_KEY = "No API-key provided."
BAD_KEY = "Invalid API-key provided."
RATE_QUOTA = "Requests rate limit exceeded, please try again later."
