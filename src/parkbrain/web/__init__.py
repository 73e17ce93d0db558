"""The web app: HTML pages (Jinja2 + HTMX + ECharts, all served locally) and their JSON twins.

Build it over a ParkBrain with `create_app(park)`; there is no module-level app.
"""

from parkbrain.web.app import create_app

__all__ = ["create_app"]
