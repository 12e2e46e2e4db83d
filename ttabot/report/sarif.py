"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning (``upload-sarif``).

One rule per category; a finding whose category fails the run is an
``error``, any other a ``warning``. Locations are repo-relative URIs under
``%SRCROOT%`` so code scanning maps them onto the checkout.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from ttabot import __version__
from ttabot.categories import CATEGORIES, SarifRule
from ttabot.escaping import json_for_logs
from ttabot.records import Category, Finding
from ttabot.report import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(report: Report) -> str:
    """The report as a SARIF 2.1.0 log (indented JSON text)."""
    # Printed to CI logs too: "##[" spelled so that a runner reads no command in it.
    return json_for_logs(json.dumps(as_sarif(report), indent=2, ensure_ascii=False)) + "\n"


def as_sarif(report: Report) -> dict[str, Any]:
    """The report as a SARIF log object."""
    order = list(Category)
    rules = [
        _rule(category, category in report.fail_on, _rule_texts(category, report.contract))
        for category in order
    ]
    results = [_result(f, order.index(f.category), report.fails(f)) for f in report.result.findings]
    notifications = [
        {
            "level": "warning",
            "message": {"text": w.message},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(w.path)}}],
        }
        for w in report.result.warnings
    ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ttabot",
                        "version": __version__,
                        "informationUri": "https://github.com/ttabot/ttabot",
                        "rules": rules,
                        "properties": {"contract": report.contract},
                    }
                },
                "invocations": [
                    {"executionSuccessful": True, "toolExecutionNotifications": notifications}
                ],
                "results": results,
            }
        ],
    }


def _rule_texts(category: Category, contract: int) -> SarifRule:
    info = CATEGORIES[category]
    return info.sarif_v1 if contract == 1 else info.sarif


def _rule(category: Category, fails: bool, texts: SarifRule) -> dict[str, Any]:
    name, short, full = texts
    return {
        "id": category.value,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": "error" if fails else "warning"},
        "properties": {"tags": ["maintainability", category.value]},
    }


def _result(finding: Finding, rule_index: int, fails: bool) -> dict[str, Any]:
    identity = f"{finding.category.value}\0{finding.path}\0{finding.symbol}"
    return {
        "ruleId": finding.category.value,
        "ruleIndex": rule_index,
        "level": "error" if fails else "warning",
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(finding.path),
                    "region": {"startLine": finding.line, "endLine": finding.end_line},
                },
                "logicalLocations": [{"fullyQualifiedName": finding.symbol}],
            }
        ],
        # Stable across line moves, so code scanning keeps one alert per definition.
        "partialFingerprints": {
            "ttabotDefinition/v1": hashlib.sha256(
                identity.encode("utf-8", "surrogateescape")
            ).hexdigest()[:32]
        },
        "properties": {"task": finding.task.value},
    }


def _artifact(path: str) -> dict[str, str]:
    # SARIF wants a URI: spaces and non-ASCII are percent-encoded (bytes, so any path works).
    return {"uri": quote(path.encode("utf-8", "surrogateescape")), "uriBaseId": "%SRCROOT%"}
