"""scripts/check_system.py: `make install` stops with one line naming the Debian packages to
install when a library WeasyPrint loads is missing; the Dockerfile and the README install the
same packages."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_system.py"
_spec = importlib.util.spec_from_file_location("check_system", SCRIPT)
check_system = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_system)


def without(*names):
    return lambda library: library not in names


def test_all_present_says_nothing(capsys):
    assert check_system.main([], loads=without()) == 0
    assert capsys.readouterr() == ("", "")


def test_missing_harfbuzz_subset_stops_with_one_apt_line(capsys):
    assert check_system.main([], loads=without("libharfbuzz-subset.so.0")) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.rstrip().endswith("apt-get install -y libharfbuzz-subset0")


def test_each_missing_package_is_named_once_in_order(capsys):
    loads = without("libpango-1.0.so.0", "libpangoft2-1.0.so.0", "libfontconfig.so.1")
    assert check_system.missing_packages(loads) == ["libpango-1.0-0", "libfontconfig1", "libpangoft2-1.0-0"]
    assert check_system.main(["--missing"], loads=loads) == 0
    assert capsys.readouterr().out == "libpango-1.0-0 libfontconfig1 libpangoft2-1.0-0\n"


def test_a_library_that_does_not_load_is_reported_by_the_real_loader(monkeypatch):
    monkeypatch.setattr(check_system, "LIBRARIES", (("libc.so.6", "libc6"), ("libnot-there-at-all.so.9", "not-there")))
    assert check_system.missing_packages() == ["not-there"]


def test_script_runs_with_the_system_python_outside_the_virtualenv():
    # This machine runs the suite, so it has the libraries: the script must pass here.
    done = subprocess.run(["python3", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    done = subprocess.run([sys.executable, str(SCRIPT), "--missing"], capture_output=True, text=True, check=False)
    assert done.stdout == "\n"


def test_dockerfile_readme_and_makefile_follow_the_script():
    packages = " ".join(check_system.PACKAGES)
    readme = (ROOT / "README.md").read_text()
    assert f"apt-get install -y {packages}\n" in readme
    dockerfile = (ROOT / "Dockerfile").read_text()
    docker_line = re.search(r"--no-install-recommends \\\n\s+(.+?) \\\n", dockerfile).group(1)
    assert docker_line.split() == list(check_system.PACKAGES)
    makefile = (ROOT / "Makefile").read_text()
    assert "install: system-check $(STAMP)" in makefile and "scripts/check_system.py" in makefile
