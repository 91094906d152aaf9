"""The Grafana dashboard and the alert rules under ops/ parse, and every series they query is
one the site exports (so renaming a metric without updating them fails here)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

import apps.core.metrics
import apps.search.metrics  # registers the search series

OPS = Path(__file__).resolve().parents[1] / "ops"
SERIES = re.compile(r"\binstainstru_[a-z_]+")


SAMPLE_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def _exported() -> set[str]:
    """Every series name the registry can emit, whether or not a sample exists yet."""
    return {family.name + suffix for family in REGISTRY.collect() for suffix in SAMPLE_SUFFIXES.get(family.type, ("",))}


def _queried(exprs: list[str]) -> set[str]:
    return {name for expr in exprs for name in SERIES.findall(expr)}


def test_the_dashboard_queries_only_exported_series() -> None:
    dashboard = json.loads((OPS / "grafana" / "instainstru.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(exprs) >= 14
    assert _queried(exprs) - _exported() == set()
    assert apps.core.metrics.BOOKINGS_CREATED is not None


def test_the_alert_rules_query_only_exported_series() -> None:
    rules = yaml.safe_load((OPS / "prometheus" / "alerts.yml").read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert {rule["alert"] for rule in alerts} >= {
        "InstaInstruHighErrorRate", "InstaInstruSlowRequests", "InstaInstruMoneySweepStale",
        "InstaInstruCaptureFailures", "InstaInstruManualReviewBacklog",
    }  # fmt: skip
    queried = _queried([rule["expr"] for rule in alerts])
    assert queried - _exported() == set()
    assert "instainstru_payments_manual_review" in queried
