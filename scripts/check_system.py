#!/usr/bin/env python3
"""Check that the system libraries WeasyPrint loads to print the letters are installed.

`make install` runs it first (with the system's python3, before any virtualenv exists): when a
library is missing it stops with one line naming the Debian packages to install. The same
packages are in the Dockerfile and the README. HarfBuzz-Subset is required, not optional: without
it WeasyPrint subsets fonts with fontTools, which stamps them with the current time, so a letter
would not print the same twice (applications/pdf.py), and printing is about three times slower.

    python3 scripts/check_system.py             # exit 0, or 1 with the apt-get line on stderr
    python3 scripts/check_system.py --missing   # the missing packages, space-separated (for CI)

Standard library only, Python 3.9+: it runs before the project's dependencies are installed.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

# (shared object WeasyPrint opens, Debian package that ships it), in the order WeasyPrint loads
# them (weasyprint/text/ffi.py). Pango pulls GLib; fontconfig pulls its configuration.
LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libgobject-2.0.so.0", "libglib2.0-0"),
    ("libpango-1.0.so.0", "libpango-1.0-0"),
    ("libharfbuzz.so.0", "libharfbuzz0b"),
    ("libharfbuzz-subset.so.0", "libharfbuzz-subset0"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libpangoft2-1.0.so.0", "libpangoft2-1.0-0"),
)
PACKAGES: tuple[str, ...] = tuple(package for _, package in LIBRARIES)


def _loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def missing_packages(loads: Callable[[str], bool] = _loads) -> list[str]:
    """The Debian packages whose library cannot be loaded, each named once, in order."""
    missing: dict[str, None] = {}
    for library, package in LIBRARIES:
        if not loads(library):
            missing[package] = None
    return list(missing)


def message(missing: list[str]) -> str:
    return (f"Missing system libraries for the PDF letters (WeasyPrint); install them with: "
            f"apt-get install -y {' '.join(missing)}")


def main(argv: list[str], loads: Callable[[str], bool] = _loads) -> int:
    missing = missing_packages(loads)
    if "--missing" in argv:
        print(" ".join(missing))
        return 0
    if missing:
        print(message(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
