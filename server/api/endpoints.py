"""Every API endpoint, as one mount under `/api` for the app's route list."""

from __future__ import annotations

from starlette.routing import Mount

from server.api import admin_accounts, admin_domains, admin_reports
from server.api.routing import api_app

routes = [Mount("/api", app=api_app([
    *admin_accounts.routes, *admin_domains.routes, *admin_reports.routes,
]))]
