"""The accessibility check of the browser tests: axe-core (vendored, tests/e2e/vendor/axe.min.js,
version 4.14.1 from the npm registry, MPL-2.0) run on the page as the user sees it.

The script is evaluated through the DevTools protocol (``page.evaluate``), which the page's CSP
does not govern: ``add_script_tag`` inserts an inline <script>, which the site's strict CSP
(scripts from the site only) rightly blocks, and the CSP stays on for everything else."""

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
ERNSTIG = {"serious", "critical"}

_RUN = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                 nodes: v.nodes.map(n => n.target.join(' '))}));
}"""


def ernstige_schendingen(page) -> list[dict]:
    """The serious or critical WCAG 2.1 A/AA violations axe finds on the current page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return [v for v in page.evaluate(_RUN) if v["impact"] in ERNSTIG]
