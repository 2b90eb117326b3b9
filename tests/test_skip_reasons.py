"""`make test` says why tests skip: the project's pytest settings print each skip's reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_the_summary_names_each_skip_reason(tmp_path: Path) -> None:
    (tmp_path / "test_skipping.py").write_text(
        "import pytest\n\n\n"
        "@pytest.mark.skip(reason='no PostgreSQL server on 127.0.0.1:5432')\n"
        "def test_needs_a_server() -> None:\n"
        "    pass\n"
    )
    # the same configuration `make test` runs with, on a file of its own
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml"),
         "--rootdir", str(tmp_path), str(tmp_path / "test_skipping.py")],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SKIPPED [1]" in done.stdout
    assert "no PostgreSQL server on 127.0.0.1:5432" in done.stdout


def test_ci_keeps_reporting_every_outcome() -> None:
    # CI asks for -ra (skips, xfails and failures), which overrides the -rs default
    assert 'PYTEST_ARGS="-ra"' in (ROOT / ".ci" / "run").read_text()
