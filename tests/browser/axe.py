"""axe-core (vendored, MPL-2.0; docs/data-attribution.md) in the page under test.

``serious_violations(page)`` evaluates axe in the page through the DevTools protocol (a
test's own evaluation, which the pages' Content-Security-Policy does not govern; the app
never serves axe) and returns the serious and critical violations of the WCAG 2.x A/AA
rules and best practices, each with its rule, help text and up to five selectors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_VERSION = "4.14.1"
AXE = Path(__file__).resolve().parent / "vendor" / f"axe-core-{AXE_VERSION}.min.js"
BLOCKING = ("serious", "critical")
# axe leaves a contrast it cannot be sure of "incomplete" (e.g. text on a transparent
# background over another element); one it measured below 4.5:1 counts here as serious —
# white buttons on white were found that way. A ratio of 0 is not a measurement: axe
# reports it for text it could not see whole (``elmPartiallyObscured``, e.g. the last
# column of a wide table inside its horizontal scroll box).
RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
  });
  const measured = (c) => c.data && c.data.contrastRatio > 0;
  const low = (n) => n.any.some((c) => measured(c) && c.data.contrastRatio < 4.5);
  const unsure = result.incomplete
    .filter((v) => v.id === "color-contrast")
    .map((v) => ({...v, impact: "serious", nodes: v.nodes.filter(low)}))
    .filter((v) => v.nodes.length);
  return [...result.violations, ...unsure].map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """The page's serious and critical axe violations (an empty list when none)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found = page.evaluate(RUN)
    return [v for v in found if v["impact"] in BLOCKING]


def describe(url: str, violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{url}: {v['impact']} {v['id']} — {v['help']} — {', '.join(v['nodes'])}"
        for v in violations
    )
