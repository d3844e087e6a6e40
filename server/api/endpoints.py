"""Every API endpoint, as one mount under `/api` for the app's route list."""

from __future__ import annotations

from starlette.routing import Mount

from server.api import (
    account_settings,
    accounts,
    admin_accounts,
    admin_domains,
    admin_holds,
    admin_reports,
    apps,
    bookmarks,
    compat,
    conversations,
    filters,
    follow_requests,
    instance_info,
    markers,
    media,
    muting,
    notification_requests,
    notifications,
    preferences,
    reports,
    search,
    statuses,
    timelines,
)
from server.api.routing import api_app

API_ROUTES = [
    *apps.routes, *instance_info.routes, *preferences.routes, *filters.routes,
    *markers.routes, *accounts.routes, *follow_requests.routes, *statuses.routes,
    *media.routes, *bookmarks.routes, *timelines.routes, *notification_requests.routes,
    *notifications.routes, *conversations.routes,
    *search.routes, *reports.routes, *compat.routes,
    *admin_accounts.routes, *admin_domains.routes, *admin_reports.routes, *admin_holds.routes,
    *account_settings.routes, *muting.routes,
]
"""Every route under `/api`, for the mount below and for the tests that walk them all."""

routes = [Mount("/api", app=api_app(API_ROUTES))]
