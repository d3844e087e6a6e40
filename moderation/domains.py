"""Domain policy: a suspended domain has nothing come in and nothing go out.

Wildcards are implicit, as in Mastodon: a block on `bad.example` covers every
subdomain, so looking a host up walks from the most specific name to the least.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from moderation.candidate import Candidate
from moderation.pipeline import Action, NamedPolicy, Verdict

SUSPEND = "suspend"


class DomainFacts(Protocol):
    async def domain_severities(self, domains: Sequence[str]) -> dict[str, str]:
        """The severities recorded for exactly these domains (absent ones left out)."""


def _hostname(domain: str) -> str:
    host = domain.lower().strip().rstrip(".")
    if host.startswith("["):
        return host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def candidate_names(domain: str) -> list[str]:
    """`a.b.example:8443` -> [`a.b.example:8443`, `a.b.example`, `b.example`, `example`]."""
    names = [domain.lower()]
    labels = _hostname(domain).split(".")
    names.extend(".".join(labels[index:]) for index in range(len(labels)))
    return list(dict.fromkeys(names))


async def severity_for(facts: DomainFacts, domain: str) -> str | None:
    """The policy of the most specific recorded name covering `domain`, in one lookup."""
    names = candidate_names(domain)
    found = await facts.domain_severities(names)
    return next((found[name] for name in names if name in found), None)


def suspended_domains_policy(facts: DomainFacts) -> NamedPolicy:
    async def check(candidate: Candidate) -> Verdict | None:
        if await severity_for(facts, candidate.domain) == SUSPEND:
            return Verdict(Action.REJECT, f"the domain {candidate.domain} is suspended")
        return None

    return NamedPolicy("domain-suspend", check)
