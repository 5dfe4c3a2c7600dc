"""Under CI_STRICT=1 (.ci/run) a skipped test fails the run; elsewhere it stays a skip."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPING = '''
import pytest

pytestmark = pytest.mark.filterwarnings("ignore")

def test_needs_chromium():
    pytest.skip("no Chromium at /usr/bin/chromium")

@pytest.mark.skipif(True, reason="needs REDIS_URL")
def test_needs_redis():
    pass

@pytest.mark.xfail(reason="a known failure stays an expected failure", strict=True)
def test_known():
    assert False
'''
MODULE_SKIP = 'import pytest\npytest.skip("public acceptance cases not found", allow_module_level=True)\n'


def run(tmp_path, source, strict):
    (tmp_path / "test_sample.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "CI_STRICT"} | ({"CI_STRICT": "1"} if strict else {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:django", "-p", "tests.strict",
         "-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path / "test_sample.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("source", [SKIPPING, MODULE_SKIP], ids=["test-skips", "module-skip"])
def test_a_skip_fails_under_ci_strict(tmp_path, source):
    done = run(tmp_path, source, strict=True)
    assert done.returncode != 0, done.stdout
    assert "skipped under CI_STRICT=1" in done.stdout
    assert " skipped" not in done.stdout.splitlines()[-1]


def test_without_ci_strict_a_skip_stays_a_skip(tmp_path):
    done = run(tmp_path, SKIPPING, strict=False)
    assert done.returncode == 0, done.stdout
    assert "2 skipped, 1 xfailed" in done.stdout.splitlines()[-1]
