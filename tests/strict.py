"""CI_STRICT=1 (set by .ci/run) turns every skip into a failure, with the skip's reason.

On a developer's machine a test may skip for want of Chromium, ../shared, Redis or PostgreSQL,
and `make test` prints the reasons (-ra). In CI each of those is there, so a skip can only mean
that something was silently not run: CI must fail on it."""

import os

import pytest


def _strict(report) -> None:
    if os.environ.get("CI_STRICT") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI_STRICT=1, which makes every skip a failure: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _strict(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _strict(outcome.get_result())
