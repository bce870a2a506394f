"""Without ../shared the suite skips what needs it, with one reason; under CI it refuses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def pytest_run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args],
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        env={**environ, **env},
        timeout=120,
    )


def test_missing_shared_data_skips_with_one_reason(tmp_path):
    missing = tmp_path / "no-shared"
    result = pytest_run(
        "tests/test_sync.py::test_first_update_stores_every_record_once",
        "tests/test_cli.py::test_import_every_real_pubmed_file",
        "tests/test_config.py",
        ACUTRACK_SHARED=str(missing),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    reason = f"needs the real PubMed data in {missing / 'realdata'}, which is missing"
    assert reason in result.stdout
    assert re.search(r"\d+ passed, [3-9] skipped", result.stdout), result.stdout
    assert "failed" not in result.stdout and "error" not in result.stdout.lower()


def test_ci_without_shared_data_fails_loudly(tmp_path):
    result = pytest_run("tests/test_config.py", ACUTRACK_SHARED=str(tmp_path), CI="true")
    assert result.returncode != 0
    assert "CI is set but the shared real data" in result.stdout + result.stderr


def test_every_skip_reason_has_one_wording():
    # Issue 19: skip reasons came in three wordings. Each one reads "needs WHAT, which is
    # missing" (conftest.SKIP_REASON's form), so `pytest -rs` lists them alike.
    call = re.compile(r'(?:reason=|pytest\.skip\()\s*((?:f?"[^"]*"\s*)+)')
    reasons: list[str] = []
    for path in sorted(TESTS.glob("*.py")):
        for found in call.finditer(path.read_text()):
            text = "".join(re.findall(r'"([^"]*)"', found.group(1)))
            reasons.append(f"{path.name}: {text}")
    assert len(reasons) >= 6, reasons
    for reason in reasons:
        assert re.search(r": needs .+, which is missing", reason), reason
