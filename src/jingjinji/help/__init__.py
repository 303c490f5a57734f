"""Help pages: one per area of the platform and the demo's tour, in zh-CN and English.

The texts are Markdown files under ``content/<lang>/<area>.md``; ``service`` maps a page's
path to its area (the header's help link) and renders a text to a tree of allowed elements
that ``templates/help/_markdown.html`` writes with Jinja's escaping on (no raw HTML ever
reaches a page). The package sits lowest in ``DOMAINS`` and imports no domain.
"""
