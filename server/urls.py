"""The URLs this instance mints. Ids are stable: once published they never change."""

from __future__ import annotations

from dataclasses import dataclass

from server.config import Settings


@dataclass(frozen=True)
class Urls:
    base: str

    @classmethod
    def for_settings(cls, settings: Settings) -> Urls:
        return cls(base=settings.base_url)

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def key_id(self, actor_uri: str) -> str:
        return f"{actor_uri}#main-key"

    def profile(self, username: str) -> str:
        return f"{self.base}/@{username}"

    def inbox(self, actor_uri: str) -> str:
        return f"{actor_uri}/inbox"

    def outbox(self, actor_uri: str) -> str:
        return f"{actor_uri}/outbox"

    def followers(self, actor_uri: str) -> str:
        return f"{actor_uri}/followers"

    def following(self, actor_uri: str) -> str:
        return f"{actor_uri}/following"

    def featured(self, actor_uri: str) -> str:
        return f"{actor_uri}/collections/featured"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    def post(self, username: str, post_id: int | str) -> str:
        return f"{self.actor(username)}/statuses/{post_id}"

    def post_page(self, username: str, post_id: int | str) -> str:
        return f"{self.profile(username)}/{post_id}"

    def default_avatar(self) -> str:
        return f"{self.base}/static/avatar.png"
