"""The dependency audit (scripts/audit.py): the allowlist's format, and whole runs of the real
pip-audit and npm audit against a local stand-in for the vulnerability databases (the one
seam: the real OSV API and npm's advisory service are not reachable from the test machines)."""

from __future__ import annotations

import datetime
import gzip
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scripts.audit import ROOT, Allowance, AllowlistError, allowlist_parse, pip_audit_read, verdict

AUDIT = [sys.executable, str(ROOT / "scripts" / "audit.py")]


def _locked_pypdf() -> str:
    match = re.search(r"^pypdf==(\S+)$", (ROOT / "requirements.lock").read_text(), re.MULTILINE)
    assert match is not None
    return match.group(1)


def _locked_htmx() -> str:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    return str(lock["packages"]["node_modules/htmx.org"]["version"])


PYPDF, HTMX = _locked_pypdf(), _locked_htmx()
OSV_ADVISORY = {
    "id": "PYSEC-2099-1",
    "aliases": ["GHSA-aaaa-bbbb-cccc", "CVE-2099-0001"],
    "summary": "Test advisory",
    "affected": [
        {
            "package": {"name": "pypdf", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0.0"}]}],
        }
    ],
}
NPM_ADVISORY = {
    "id": 1099001,
    "url": "https://github.com/advisories/GHSA-dddd-eeee-ffff",
    "title": "Test advisory for htmx",
    "severity": "high",
    "vulnerable_versions": f"<={HTMX}",
    "cwe": [],
    "cvss": {"score": 0, "vectorString": None},
}


class _Advisories(BaseHTTPRequestHandler):
    """OSV's query endpoint and npm's bulk advisory endpoint, each knowing one advisory
    against a package we lock, plus the package document npm reads to suggest a fix."""

    def _answer(self, body: object, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> object:
        data = self.rfile.read(int(self.headers["Content-Length"]))
        return json.loads(gzip.decompress(data) if self.headers.get("Content-Encoding") == "gzip" else data)

    def do_POST(self) -> None:
        query = self._body()
        assert isinstance(query, dict)
        if self.path == "/v1/query":
            vulnerable = query["package"] == {"name": "pypdf", "ecosystem": "PyPI"} and query["version"] == PYPDF
            self._answer({"vulns": [OSV_ADVISORY]} if vulnerable else {})
        elif self.path == "/-/npm/v1/security/advisories/bulk":
            self._answer({"htmx.org": [NPM_ADVISORY]} if HTMX in query.get("htmx.org", []) else {})
        else:
            self._answer({"error": "not found"}, 404)

    def do_GET(self) -> None:
        if self.path.lstrip("/") == "htmx.org":
            versions = {v: {"name": "htmx.org", "version": v, "dist": {}} for v in (HTMX, "99.0.0")}
            self._answer({"name": "htmx.org", "dist-tags": {"latest": "99.0.0"}, "versions": versions})
        else:
            self._answer({"error": "not found"}, 404)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: pytest shows the audit's own output on failure


@pytest.fixture(scope="module")
def advisories() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Advisories)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _audit(base_url: str, allowlist: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "AUDIT_OSV_URL": f"{base_url}/v1/query", "npm_config_registry": f"{base_url}/"}
    environment.pop("AUDIT_STRICT", None)
    return subprocess.run(
        [*AUDIT, "--allowlist", str(allowlist)],
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _allowlist(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "audit-allow.toml"
    path.write_text(text)
    return path


def _entry(id: str, package: str, review_by: datetime.date) -> str:
    return f'[[allow]]\nid = "{id}"\npackage = "{package}"\nreason = "Test reason."\nreview_by = {review_by}\n'


PIP_FINDING = f"pypdf {PYPDF} PYSEC-2099-1 / CVE-2099-0001 / GHSA-aaaa-bbbb-cccc (fixed in 99.0.0)"
NPM_FINDING = f"htmx.org {HTMX} GHSA-dddd-eeee-ffff / 1099001 (high: Test advisory for htmx; affects <={HTMX})"


def test_a_finding_that_is_not_allowed_fails_the_audit(advisories: str, tmp_path: Path) -> None:
    # The advisory is allowed, but for another package: that doesn't count.
    done = _audit(advisories, _allowlist(tmp_path, _entry("PYSEC-2099-1", "pillow", datetime.date(2999, 1, 1))))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert f"  VULNERABLE {PIP_FINDING}" in lines
    assert f"  VULNERABLE {NPM_FINDING}" in lines
    assert lines[-1] == "audit failed: 2 vulnerabilities are neither fixed nor allowed in audit-allow.toml"


def test_allowed_findings_pass_until_their_review_date(advisories: str, tmp_path: Path) -> None:
    today = datetime.datetime.now(datetime.UTC).date()
    later, earlier = today + datetime.timedelta(days=30), today - datetime.timedelta(days=1)
    # Matched by an alias and by the package's spelling in either registry's form.
    allowed = _entry("CVE-2099-0001", "PyPDF", later) + _entry("1099001", "htmx.org", later)
    done = _audit(advisories, _allowlist(tmp_path, allowed))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert f"  allowed until {later}: {PIP_FINDING}: Test reason." in lines
    assert f"  allowed until {later}: {NPM_FINDING}: Test reason." in lines

    expired = _entry("GHSA-aaaa-bbbb-cccc", "pypdf", earlier) + _entry("GHSA-dddd-eeee-ffff", "htmx.org", later)
    done = _audit(advisories, _allowlist(tmp_path, expired))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert f"  VULNERABLE {PIP_FINDING}: its allowance expired on {earlier}; review it" in lines
    assert f"  allowed until {later}: {NPM_FINDING}: Test reason." in lines
    assert lines[-1] == "audit failed: 1 vulnerabilities are neither fixed nor allowed in audit-allow.toml"


def test_unreachable_databases_are_reported_and_fail_only_when_strict(tmp_path: Path) -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), _Advisories) as closed:
        port = closed.server_address[1]  # bound, then closed: nothing listens there
    allowlist = _allowlist(tmp_path, "")
    done = _audit(f"http://127.0.0.1:{port}", allowlist)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert [line.split(": ")[:2] for line in lines] == [
        ["pip-audit", "audit could not run"],
        ["npm audit", "audit could not run"],
    ]
    assert f"port={port}" in lines[0]
    assert "Connection refused" in lines[0]
    assert f"connect ECONNREFUSED 127.0.0.1:{port}" in lines[1]
    strict = _audit(f"http://127.0.0.1:{port}", allowlist, AUDIT_STRICT="1")
    assert strict.returncode == 1
    assert strict.stdout.splitlines()[-1] == "audit failed: AUDIT_STRICT=1 and an audit could not run"


def test_a_malformed_allowlist_stops_the_audit_before_it_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [*AUDIT, "--allowlist", str(_allowlist(tmp_path, '[[allow]]\nid = "X"\n'))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.endswith(
        "entry 1 (X): needs exactly ['id', 'package', 'reason', 'review_by'] "
        "(missing ['package', 'reason', 'review_by'], unknown [])\n"
    )


def test_the_repository_allowlist_is_well_formed() -> None:
    for allowance in allowlist_parse((ROOT / "audit-allow.toml").read_text()):
        assert allowance.reason


def test_allowlist_entries_are_read_with_their_dates() -> None:
    text = _entry(" GHSA-1 ", "Django", datetime.date(2027, 3, 31)) + _entry(
        "CVE-2", "htmx.org", datetime.date(2027, 1, 1)
    )
    assert allowlist_parse(text) == [
        Allowance("GHSA-1", "Django", "Test reason.", datetime.date(2027, 3, 31)),
        Allowance("CVE-2", "htmx.org", "Test reason.", datetime.date(2027, 1, 1)),
    ]
    assert allowlist_parse("# only comments\n") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("allow = [", "not valid TOML: "),
        ('[[allowed]]\nid = "X"\n', "unknown tables: ['allowed']; entries go in [[allow]]"),
        (
            '[[allow]]\nid = "X"\npackage = "p"\nreason = "r"\nreview_by = 2027-01-01\nexpires = 2027-02-01\n',
            "entry 1 (X): needs exactly ['id', 'package', 'reason', 'review_by'] (missing [], unknown ['expires'])",
        ),
        (
            '[[allow]]\nid = "X"\npackage = "p"\nreason = " "\nreview_by = 2027-01-01\n',
            "entry 1 (X): id, package and reason must be non-empty strings",
        ),
        (
            '[[allow]]\nid = "X"\npackage = "p"\nreason = "r"\nreview_by = "2027-01-01"\n',
            "entry 1 (X): review_by must be a date such as 2027-01-31 (no quotes)",
        ),
        (
            '[[allow]]\nid = "X"\npackage = "p"\nreason = "r"\nreview_by = 2027-01-01T00:00:00\n',
            "entry 1 (X): review_by must be a date such as 2027-01-31 (no quotes)",
        ),
    ],
    ids=["not-toml", "wrong-table", "unknown-key", "empty-reason", "quoted-date", "datetime"],
)
def test_malformed_allowlists_are_refused(text: str, message: str) -> None:
    with pytest.raises(AllowlistError) as refused:
        allowlist_parse(text)
    assert str(refused.value).startswith(message)
    if not message.endswith(": "):
        assert str(refused.value) == message


def test_a_package_pip_audit_could_not_look_up_is_reported_not_counted(capsys: pytest.CaptureFixture[str]) -> None:
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.19", "vulns": []},
            {
                "name": "private-pkg",
                "skip_reason": "Dependency not found on PyPI and could not be audited: private-pkg (1.0)",
            },
        ],
        "fixes": [],
    }
    outcome = pip_audit_read(report)
    assert (outcome.audited, outcome.findings, outcome.not_audited) == (
        1,
        [],
        ["Dependency not found on PyPI and could not be audited: private-pkg (1.0)"],
    )
    assert verdict([outcome], [], today=datetime.date(2027, 1, 1)) == []
    assert capsys.readouterr().out.splitlines() == [
        "pip-audit: 1 packages audited, 0 known vulnerabilities",
        "  not audited: Dependency not found on PyPI and could not be audited: private-pkg (1.0)",
    ]
