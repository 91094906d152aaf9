"""Audit the locked dependencies for known vulnerabilities: pip-audit (against the OSV
database) for requirements.lock and requirements-dev.lock, npm audit (the registry's
advisory service) for package-lock.json. Known findings we accept are listed, each with a
reason and a review date, in audit-allow.toml.

Exit status: 1 when an audit ran and found a vulnerability that is not allowed (an allowance
past its review date no longer counts); 2 when audit-allow.toml is malformed; otherwise 0.
When a vulnerability database cannot be reached, the audit says "audit could not run:
<reason>" and does not fail the build, since the code did not change (README, "Dependency
audit"); AUDIT_STRICT=1 makes that fail too, for CI machines that do reach the databases.

Environment: AUDIT_OSV_URL (OSV's query endpoint), npm_config_registry (npm's registry,
where its advisory endpoint lives), AUDIT_STRICT.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_LOCKS = ("requirements.lock", "requirements-dev.lock")
OSV_URL = "https://api.osv.dev/v1/query"
# Generous for ~100 packages; a database that is down answers or fails long before this.
TOOL_SECONDS = 300
ALLOWANCE_KEYS = frozenset({"id", "package", "reason", "review_by"})


class AllowlistError(Exception):
    pass


@dataclass(frozen=True)
class Allowance:
    id: str
    package: str
    reason: str
    review_by: datetime.date


@dataclass(frozen=True)
class Finding:
    ecosystem: str
    package: str
    version: str
    ids: tuple[str, ...]  # the advisory's own id first, then its aliases (CVE, GHSA, …)
    summary: str


@dataclass
class Outcome:
    """One tool's audit: what it found, or why it could not run."""

    tool: str
    findings: list[Finding] = field(default_factory=list)
    audited: int = 0
    not_audited: list[str] = field(default_factory=list)
    could_not_run: str | None = None


def _package_key(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def allowlist_parse(text: str) -> list[Allowance]:
    """The [[allow]] entries of audit-allow.toml, every field present and well typed."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise AllowlistError(f"not valid TOML: {error}") from error
    if set(document) - {"allow"}:
        raise AllowlistError(f"unknown tables: {sorted(set(document) - {'allow'})}; entries go in [[allow]]")
    allowances = []
    for number, entry in enumerate(document.get("allow", []), start=1):
        where = f"entry {number} ({entry.get('id', 'no id')})"
        if set(entry) != ALLOWANCE_KEYS:
            missing, extra = sorted(ALLOWANCE_KEYS - set(entry)), sorted(set(entry) - ALLOWANCE_KEYS)
            raise AllowlistError(
                f"{where}: needs exactly {sorted(ALLOWANCE_KEYS)} (missing {missing}, unknown {extra})"
            )
        if not all(isinstance(entry[key], str) and entry[key].strip() for key in ("id", "package", "reason")):
            raise AllowlistError(f"{where}: id, package and reason must be non-empty strings")
        review_by = entry["review_by"]
        if not isinstance(review_by, datetime.date) or isinstance(review_by, datetime.datetime):
            raise AllowlistError(f"{where}: review_by must be a date such as 2027-01-31 (no quotes)")
        allowances.append(Allowance(entry["id"].strip(), entry["package"].strip(), entry["reason"].strip(), review_by))
    return allowances


def allowance_for(finding: Finding, allowances: Sequence[Allowance]) -> Allowance | None:
    """The allowance naming this advisory (by any of its ids) for this package."""
    ids = {advisory_id.upper() for advisory_id in finding.ids}
    for allowance in allowances:
        if allowance.id.upper() in ids and _package_key(allowance.package) == _package_key(finding.package):
            return allowance
    return None


def pip_audit_read(report: Mapping[str, object]) -> Outcome:
    """pip-audit's JSON report (`-f json`, aliases on)."""
    outcome = Outcome("pip-audit")
    dependencies = report.get("dependencies")
    assert isinstance(dependencies, list), "pip-audit's JSON report has a dependencies list"
    for dependency in dependencies:
        if "skip_reason" in dependency:  # pip-audit couldn't look it up: say so, never count it as clean
            outcome.not_audited.append(dependency["skip_reason"])
            continue
        outcome.audited += 1
        for vuln in dependency["vulns"]:
            outcome.findings.append(
                Finding(
                    ecosystem="PyPI",
                    package=dependency["name"],
                    version=dependency["version"],
                    ids=(vuln["id"], *sorted(vuln.get("aliases", []))),
                    summary=f"fixed in {', '.join(vuln['fix_versions']) or 'no release yet'}",
                )
            )
    return outcome


def npm_audit_read(report: Mapping[str, object], lock: dict[str, dict[str, dict[str, str]]]) -> Outcome:
    """npm audit's JSON report (auditReportVersion 2), or the error it prints instead;
    installed versions come from package-lock.json."""
    outcome = Outcome("npm audit")
    if "auditReportVersion" not in report:
        error = report.get("error")
        detail = report.get("message") or (error.get("summary") if isinstance(error, dict) else None) or "no report"
        outcome.could_not_run = str(detail)
        return outcome
    installed = {path: package.get("version", "?") for path, package in lock.get("packages", {}).items() if path}
    outcome.audited = len(installed)
    vulnerabilities = report["vulnerabilities"]
    assert isinstance(vulnerabilities, dict), "npm audit's report has a vulnerabilities map"
    for name, vulnerability in sorted(vulnerabilities.items()):
        # `via` lists the advisories against this package itself, and (as plain names) the
        # vulnerable packages it depends on: those are reported under their own name.
        for advisory in vulnerability["via"]:
            if isinstance(advisory, dict):
                ghsa = str(advisory["url"]).rstrip("/").rsplit("/", 1)[-1]
                outcome.findings.append(
                    Finding(
                        ecosystem="npm",
                        package=name,
                        version=installed.get(vulnerability["nodes"][0], "?") if vulnerability["nodes"] else "?",
                        ids=(ghsa, str(advisory["source"])),
                        summary=f"{advisory.get('severity', '?')}: {advisory.get('title', '')}; affects {advisory.get('range', '?')}",
                    )
                )
    return outcome


def _tail(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def _run(command: Sequence[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str] | str:
    """The finished process, or why it did not finish."""
    try:
        return subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TOOL_SECONDS, check=False
        )
    except FileNotFoundError as error:
        return f"{command[0]} is not installed ({error})"
    except subprocess.TimeoutExpired:
        return f"{command[0]} did not finish within {TOOL_SECONDS} s"


def pip_audit_run(root: Path, env: dict[str, str]) -> Outcome:
    with tempfile.TemporaryDirectory() as scratch:
        report_path = Path(scratch) / "report.json"
        command = [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip", "--progress-spinner", "off"]
        command += ["--vulnerability-service", "osv", "--osv-url", env.get("AUDIT_OSV_URL", OSV_URL)]
        command += ["--format", "json", "--aliases", "on", "--desc", "off", "--output", str(report_path)]
        for lock in PYTHON_LOCKS:
            command += ["--requirement", str(root / lock)]
        done = _run(command, cwd=root, env=env)
        if isinstance(done, str):
            return Outcome("pip-audit", could_not_run=done)
        if not report_path.exists():  # pip-audit writes its report only when it got answers
            return Outcome("pip-audit", could_not_run=_tail(done.stderr))
        return pip_audit_read(json.loads(report_path.read_text()))


def npm_audit_run(root: Path, env: dict[str, str]) -> Outcome:
    lock = json.loads((root / "package-lock.json").read_text())
    command = ["npm", "audit", "--json", "--package-lock-only", "--fetch-retries=1", "--fetch-timeout=30000"]
    done = _run(command, cwd=root, env=env)
    if isinstance(done, str):
        return Outcome("npm audit", could_not_run=done)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return Outcome("npm audit", could_not_run=_tail(done.stderr))
    return npm_audit_read(report, lock)


def verdict(outcomes: Sequence[Outcome], allowances: Sequence[Allowance], *, today: datetime.date) -> list[str]:
    """Print each outcome; return the findings that fail the audit."""
    blocking = []
    for outcome in outcomes:
        if outcome.could_not_run:
            print(f"{outcome.tool}: audit could not run: {outcome.could_not_run}")
            continue
        print(f"{outcome.tool}: {outcome.audited} packages audited, {len(outcome.findings)} known vulnerabilities")
        for reason in outcome.not_audited:
            print(f"  not audited: {reason}")
        for finding in outcome.findings:
            line = f"{finding.package} {finding.version} {' / '.join(finding.ids)} ({finding.summary})"
            allowance = allowance_for(finding, allowances)
            if allowance is None:
                print(f"  VULNERABLE {line}")
                blocking.append(line)
            elif allowance.review_by < today:
                print(f"  VULNERABLE {line}: its allowance expired on {allowance.review_by}; review it")
                blocking.append(line)
            else:
                print(f"  allowed until {allowance.review_by}: {line}: {allowance.reason}")
    return blocking


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose lock files to audit")
    parser.add_argument("--allowlist", type=Path, default=ROOT / "audit-allow.toml")
    args = parser.parse_args(argv)
    try:
        allowances = allowlist_parse(args.allowlist.read_text())
    except (OSError, AllowlistError) as error:
        print(f"{args.allowlist}: {error}", file=sys.stderr)
        return 2
    env = dict(os.environ)
    outcomes = [pip_audit_run(args.root, env), npm_audit_run(args.root, env)]
    blocking = verdict(outcomes, allowances, today=datetime.datetime.now(datetime.UTC).date())
    if blocking:
        print(f"audit failed: {len(blocking)} vulnerabilities are neither fixed nor allowed in {args.allowlist.name}")
        return 1
    if env.get("AUDIT_STRICT") == "1" and any(outcome.could_not_run for outcome in outcomes):
        print("audit failed: AUDIT_STRICT=1 and an audit could not run")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
