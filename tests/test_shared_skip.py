"""Without ../shared the suite skips what needs it, with one reason; under CI it refuses
(and a missing Chromium fails the browser test instead of skipping it)."""

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


def test_ci_refuses_when_any_shared_part_the_tests_read_is_missing(tmp_path):
    # realdata and verify-samples are there, evidence-dev is not: CI must not skip quietly.
    from eutils_server import REALDATA, VERIFY_SAMPLES

    (tmp_path / "realdata").symlink_to(REALDATA)
    (tmp_path / "verify-samples").symlink_to(VERIFY_SAMPLES)
    result = pytest_run("tests/test_config.py", ACUTRACK_SHARED=str(tmp_path), CI="true")
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "CI is set but the shared real data" in out
    assert str(tmp_path / "evidence-dev" / "rct-dev.medline.gz") in out


def test_evidence_v2_reads_the_shared_folder_acutrack_shared_names(tmp_path):
    missing = tmp_path / "no-shared"
    result = pytest_run("tests/test_evidence_v2.py", ACUTRACK_SHARED=str(missing))
    assert result.returncode == 0, result.stdout + result.stderr
    assert str(missing / "evidence-dev" / "rct-dev.medline.gz") in result.stdout
    assert re.search(r"\d+ passed, \d+ skipped", result.stdout), result.stdout


def test_the_ci_guard_covers_every_shared_folder_the_tests_name():
    from eutils_server import SHARED, SHARED_PARTS

    guarded = {part.relative_to(SHARED).parts[0] for part in SHARED_PARTS}
    named: set[str] = set()
    pattern = re.compile(
        r"""(?:\.\./shared/|"shared"\s*/\s*"|SHARED\s*/\s*"|REALDATA\.parent\s*/\s*")([\w.-]+)"""
    )
    for source in TESTS.glob("*.py"):
        named |= set(pattern.findall(source.read_text()))
    assert named, "the pattern no longer finds how tests name ../shared"
    assert named <= guarded, f"add {sorted(named - guarded)} to eutils_server.SHARED_PARTS"


def test_ci_fails_the_browser_test_when_chromium_is_missing(tmp_path):
    # An empty PATH: no chromium (pytest itself runs as sys.executable -m pytest).
    test = "tests/test_report.py::test_report_renders_in_chromium"
    local = pytest_run(test, PATH=str(tmp_path))
    assert local.returncode == 0 and "1 skipped" in local.stdout, local.stdout
    ci = pytest_run(test, PATH=str(tmp_path), CI="true")
    assert ci.returncode == 1 and "1 failed" in ci.stdout, ci.stdout
    assert "CI is set but Chromium is not installed" in ci.stdout


def test_every_skip_reason_has_one_wording():
    # Issue 19: skip reasons came in three wordings. Each one reads "needs WHAT, which is
    # missing" (conftest.SKIP_REASON's form), so `pytest -rs` lists them alike.
    call = re.compile(r'(?:reason=|pytest\.skip\()\s*((?:f?"[^"]*"\s*)+)')
    reasons: list[str] = []
    for path in sorted(TESTS.glob("*.py")):
        for found in call.finditer(path.read_text()):
            text = "".join(re.findall(r'"([^"]*)"', found.group(1)))
            reasons.append(f"{path.name}: {text}")
    assert len(reasons) >= 5, reasons
    for reason in reasons:
        assert re.search(r": needs .+, which is missing", reason), reason
