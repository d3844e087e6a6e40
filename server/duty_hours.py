"""The admins' moderator duty hours, kept as settings and read as `moderation.duty` does."""

from __future__ import annotations

import logging

from moderation.duty import DEFAULT_TIMEZONE, DutyHours, DutyHoursInvalid, parse_duty_hours
from server.storage.database import Database
from server.storage.settings import get_setting, set_setting

logger = logging.getLogger(__name__)

DUTY_HOURS_SETTING = "duty_hours"
DUTY_TIMEZONE_SETTING = "duty_timezone"


async def load_duty_hours(db: Database) -> DutyHours:
    """The hours as saved. Saved hours were checked, but should they no longer read (a
    timezone gone from the system), nobody counts as on duty: the protections that
    stand in for a moderator stay on rather than off."""
    text = await get_setting(db, DUTY_HOURS_SETTING) or ""
    timezone = await get_setting(db, DUTY_TIMEZONE_SETTING) or DEFAULT_TIMEZONE
    try:
        return parse_duty_hours(text, timezone)
    except DutyHoursInvalid as error:
        logger.warning("saved duty hours no longer read (%s); nobody counts as on duty", error)
        return DutyHours(timezone=DEFAULT_TIMEZONE, text=text)


async def save_duty_hours(db: Database, hours: DutyHours) -> None:
    await set_setting(db, DUTY_HOURS_SETTING, hours.text)
    await set_setting(db, DUTY_TIMEZONE_SETTING, hours.timezone)
