"""axe-core in the browser suite: run it on a page and say what it found, readably.

axe-core comes inside the axe-playwright-python package (the test extra in pyproject.toml); kyoso
vendors none of it. Every rule axe runs by default is on: the WCAG 2.0, 2.1 and 2.2 A and AA rules (JIS
X 8341-3:2016 AA is WCAG 2.0 AA; 2.2 adds the 24 px targets of 2.5.8) and axe's best practices
(landmarks, one h1, unique names). Only its experimental rules are off, as in axe itself.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

AXE = Axe()

# axe's default rules. Results other than violations (passes, incomplete, inapplicable) are not
# sent back, which keeps each run quick.
OPTIONS: dict[str, Any] = {"resultTypes": ["violations"]}


def violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now (any open popover or pane included)."""
    return list(AXE.run(page, options=OPTIONS).response["violations"])


def report(found: list[dict[str, Any]]) -> str:
    """One paragraph per rule broken: its id, impact and help, then each offending element."""
    lines: list[str] = []
    for violation in found:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}\n      {node['html'][:200]}")
            for check in node.get("any", []) + node.get("all", []) + node.get("none", []):
                lines.append(f"      · {check['message']}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)
