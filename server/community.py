"""The community's own choices that admins make: who may join, and where help is.

They live in `instance_settings`; a missing value means the safe default.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.storage.database import Database
from server.storage.settings import get_setting, set_setting

REGISTRATION_MODES = {
    "approval": "Anyone can apply; a moderator or admin approves each application",
    "invite": "Only people with an invite code can join",
    "open": "Anyone can join straight away",
    "closed": "Nobody can join for now",
}
DEFAULT_REGISTRATIONS = "approval"
DEFAULT_DESCRIPTION = "A peer-support community. Members look out for each other here."

PLACEHOLDER_CRISIS_RESOURCES = """\
If you might act on thoughts of harming yourself, or you are in danger now, call your \
local emergency number (999 or 112 in the UK, 112 in the EU, 911 in the US and Canada).

Samaritans (UK and Ireland) listen any time, day or night: call 116 123 for free.
Shout (UK): text SHOUT to 85258 for free, 24 hours a day.
Elsewhere, find a helpline in your country at findahelpline.com.

The people who run this community have not yet added local services here."""


@dataclass(frozen=True)
class CommunityChoices:
    registrations: str
    crisis_resources: str
    crisis_resources_set: bool
    description: str


async def load_choices(db: Database) -> CommunityChoices:
    registrations = await get_setting(db, "registrations")
    crisis = await get_setting(db, "crisis_resources")
    description = await get_setting(db, "description")
    return CommunityChoices(
        registrations=registrations if registrations in REGISTRATION_MODES
        else DEFAULT_REGISTRATIONS,
        crisis_resources=crisis or PLACEHOLDER_CRISIS_RESOURCES,
        crisis_resources_set=bool(crisis),
        description=description or DEFAULT_DESCRIPTION,
    )


async def save_choices(
    db: Database, *, registrations: str, crisis_resources: str, description: str
) -> None:
    if registrations not in REGISTRATION_MODES:
        raise ValueError(f"unknown registration mode {registrations!r}")
    await set_setting(db, "registrations", registrations)
    await set_setting(db, "crisis_resources", crisis_resources)
    await set_setting(db, "description", description)
