"""The retry/no-retry table of YOUTUBE_API.md, row by row, through the real client library."""

import json

import pytest
from googleapiclient.http import HttpMockSequence

from tasks.youtube.clients import build_data_api
from tasks.youtube.errors import AuthenticationError, QuotaExhaustedError
from tasks.youtube.executor import ApiExecutor

OK = ({"status": "200"}, json.dumps({"kind": "youtube#videoListResponse", "items": []}))
ENDPOINT = "youtube.videos.list"
PARAMS = {"part": "id", "chart": "mostPopular", "regionCode": "US"}


def error(status, reason, message="", domain="youtube.quota"):
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"domain": domain, "reason": reason, "message": message}],
        }
    }
    return ({"status": str(status)}, json.dumps(body))


def run(responses, **kwargs):
    http = HttpMockSequence(responses)
    sleeps = []
    executor = ApiExecutor(max_retries=kwargs.pop("max_retries", 3), sleep=sleeps.append, rng=lambda: 0.5, **kwargs)
    request = build_data_api(http=http).videos().list(**PARAMS)
    return executor, executor.execute(ENDPOINT, request, PARAMS), sleeps


@pytest.mark.parametrize(
    "first",
    [
        error(500, "backendError"),
        error(502, "badGateway"),
        error(503, "backendError"),
        error(429, "rateLimitExceeded", "Too many requests"),
        error(403, "rateLimitExceeded", "Rate limit"),
        error(403, "userRateLimitExceeded", "User rate limit"),
    ],
    ids=["500", "502", "503", "429", "403-rateLimitExceeded", "403-userRateLimitExceeded"],
)
def test_transient_errors_are_retried_with_backoff(first):
    executor, body, sleeps = run([first, first, OK])
    assert json.loads(body)["items"] == []
    assert sleeps == [0.75, 1.5]  # exponential, jittered (rng fixed at 0.5)
    usage = executor.usage[ENDPOINT]
    assert (usage.requests, usage.retries, usage.failed, usage.units) == (3, 2, 0, 3)
    assert executor.failures == []


@pytest.mark.parametrize(
    "response",
    [
        error(403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota."),
        error(403, "dailyLimitExceeded", "Daily Limit Exceeded"),
        error(429, "rateLimitExceeded", "Quota exceeded for quota metric 'Queries' and limit 'Queries per day'"),
    ],
    ids=["quotaExceeded", "dailyLimitExceeded", "429-daily-cap"],
)
def test_quota_is_never_retried_and_stops(response):
    with pytest.raises(QuotaExhaustedError) as info:
        run([response, OK])
    assert "quota" in str(info.value).lower()


@pytest.mark.parametrize(
    "response, reason",
    [
        (error(400, "badRequest", "Bad request", "global"), "badRequest"),
        (error(400, "badRequest", "The query is not supported.", "global"), "badRequest"),
        (error(400, "videoChartNotFound", "chart not supported", "youtube.video"), "videoChartNotFound"),
        (error(404, "videoChartNotFound", "chart not supported", "youtube.video"), "videoChartNotFound"),
        (error(400, "invalidFilters", "Invalid filters", "youtube.parameter"), "invalidFilters"),
        (error(403, "forbidden", "Forbidden", "global"), "forbidden"),
    ],
)
def test_bad_requests_are_recorded_and_skipped(response, reason):
    executor, body, sleeps = run([response, OK])
    assert body is None and sleeps == []
    (failure,) = executor.failures
    assert failure.reason == reason and failure.params == PARAMS
    assert executor.usage[ENDPOINT].units == 1  # invalid requests cost quota too


def test_unauthorized_stops_with_renewal_help():
    with pytest.raises(AuthenticationError) as info:
        run([error(401, "authError", "Invalid Credentials", "global"), OK])
    assert "refresh token" in str(info.value) and "7 days" in str(info.value)


class RaisingHttp:
    """Raises the given exceptions on successive calls, then answers 200."""

    def __init__(self, errors):
        self.errors = list(errors)
        self.calls = 0

    def request(self, uri, method="GET", body=None, headers=None, **kwargs):
        import httplib2

        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return httplib2.Response({"status": "200"}), OK[1].encode()


def test_connection_reset_and_timeout_are_retried():
    http = RaisingHttp([ConnectionResetError("reset by peer"), TimeoutError("timed out")])
    sleeps = []
    executor = ApiExecutor(max_retries=3, sleep=sleeps.append, rng=lambda: 0.0)
    body = executor.execute(ENDPOINT, build_data_api(http=http).videos().list(**PARAMS), PARAMS)
    assert body is not None and http.calls == 3 and len(sleeps) == 2
    assert executor.usage[ENDPOINT].requests == 1  # the unanswered attempts reached no API


def test_invalid_grant_names_the_testing_app_expiry():
    from google.auth.exceptions import RefreshError

    http = RaisingHttp([RefreshError("invalid_grant: Token has been expired or revoked.")])
    executor = ApiExecutor(sleep=lambda s: None)
    with pytest.raises(AuthenticationError) as info:
        executor.execute(ENDPOINT, build_data_api(http=http).videos().list(**PARAMS), PARAMS)
    assert "invalid_grant" in str(info.value) and "Testing" in str(info.value)
    assert http.calls == 1


def test_retries_run_out_then_the_request_is_recorded():
    executor, body, sleeps = run([error(503, "backendError")] * 3, max_retries=2)
    assert body is None and len(sleeps) == 2
    assert executor.failures[0].status == 503


def test_backoff_is_capped():
    executor = ApiExecutor(base_delay_s=1, max_delay_s=10, rng=lambda: 1.0)
    assert [executor.backoff(n) for n in (1, 2, 3, 4, 5, 6)] == [1, 2, 4, 8, 10, 10]
