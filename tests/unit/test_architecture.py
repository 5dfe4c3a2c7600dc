"""The layers of docs/architecture.md hold: import-linter's contracts (pyproject.toml) pass on the
code as it is, and fail when a stage imports a later one or the engine imports Django."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("aid_portal", "payments", "decisions", "applications", "accounts", "schemes", "core")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    # lint-imports puts its working directory first on sys.path: a copy of the tree is analysed
    # as itself, not as the installed project.
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree_copy(tmp_path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold_on_the_code():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "broken"),
    [
        # An earlier stage reaching into a later one: the circle the decisions app removed.
        ("applications/services/planted.py", "from payments.services import balances_lapse\n", "Workflow stages"),
        ("decisions/planted.py", "import payments.models\n", "Workflow stages"),
        ("schemes/planted.py", "from applications.models import Application\n", "Workflow stages"),
        # The engine stays pure.
        ("schemes/engine/planted.py", "from django.conf import settings\n", "The rules engine is pure"),
        ("schemes/engine/planted.py", "from schemes.models import Parameter\n", "The rules engine is pure"),
        ("core/planted.py", "from schemes.models import Scheme\n", "Workflow stages"),
    ],
)
def test_a_planted_forbidden_import_breaks_a_contract(tree_copy, module, planted, broken):
    (tree_copy / module).write_text(planted)
    result = lint_imports(tree_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in result.stdout
    assert f"{broken}" in result.stdout.split("Broken contracts")[1]
    assert module.replace("/", ".").removesuffix(".py") in result.stdout
