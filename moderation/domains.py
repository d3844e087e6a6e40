"""Domain policy, modelled on Mastodon's: a severity and independent flags per domain,
and an allowlist mode in which only allowed domains federate.

The rules, in the order `domain_policies` applies them:
1. allowlist mode: a domain not allowed (the instance's own always is) is rejected
   both ways;
2. `suspend`: nothing comes in and nothing goes out;
3. `reject_reports`: inbound reports (`Flag`) are rejected;
4. inbound only, rewrites that accumulate: `limit` -> "limited" (kept off public
   timelines, follows need approval), `reject_media` -> "strip_media",
   `force_sensitive` -> "sensitive".

Wildcards are implicit, as in Mastodon: a rule on `bad.example` covers every
subdomain, so looking a host up walks from the most specific name to the least.
`*.bad.example` typed by an admin normalizes to `bad.example`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from moderation.candidate import Candidate, Direction
from moderation.pipeline import Action, NamedPolicy, Verdict

SUSPEND = "suspend"
LIMIT = "limit"
NOOP = "noop"
SEVERITIES = (SUSPEND, LIMIT, NOOP)
OPEN = "open"
ALLOWLIST = "allowlist"
FEDERATION_MODES = (OPEN, ALLOWLIST)

_LABEL = r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?"
_DOMAIN = re.compile(rf"\A(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])(?::\d{{1,5}})?\Z")
MAX_DOMAIN_LENGTH = 253 + 6


class InvalidDomain(ValueError):
    """What an admin typed (or a list carried) is not a domain."""


class RecordedPolicy(Protocol):
    """One domain's recorded policy as the pipeline reads it."""

    @property
    def severity(self) -> str: ...
    @property
    def reject_media(self) -> bool: ...
    @property
    def reject_reports(self) -> bool: ...
    @property
    def force_sensitive(self) -> bool: ...


class SeverityFacts(Protocol):
    async def domain_severities(self, domains: Sequence[str]) -> dict[str, str]:
        """The severities recorded for exactly these domains (absent ones left out)."""


class DomainFacts(Protocol):
    async def domain_policies(self, domains: Sequence[str]) -> Mapping[str, RecordedPolicy]:
        """The policies recorded for exactly these domains (absent ones left out)."""

    async def allowed_domains(self, domains: Sequence[str]) -> set[str]:
        """Which of exactly these domains are on the allowlist."""

    async def federation_mode(self) -> str:
        """`open` or `allowlist`."""


def normalize_domain(text: str) -> str:
    """`*.Bad.Example.` -> `bad.example`; international names become their ASCII form."""
    domain = text.strip().lower().rstrip(".")
    if domain.startswith("*."):
        domain = domain[2:]
    try:
        domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError as error:
        raise InvalidDomain(f"{text.strip()!r} is not a domain") from error
    if len(domain) > MAX_DOMAIN_LENGTH or not _DOMAIN.match(domain):
        raise InvalidDomain(f"{text.strip()[:100]!r} is not a domain")
    return domain


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


def covers(rule: str, domain: str) -> bool:
    """Whether a rule recorded for `rule` applies to `domain` (itself or a subdomain)."""
    return rule.lower() in candidate_names(domain)


async def severity_for(facts: SeverityFacts, domain: str) -> str | None:
    """The severity of the most specific recorded name covering `domain`, in one lookup."""
    names = candidate_names(domain)
    found = await facts.domain_severities(names)
    return next((found[name] for name in names if name in found), None)


async def policy_for(facts: DomainFacts, domain: str) -> RecordedPolicy | None:
    """The most specific recorded policy covering `domain`, in one lookup."""
    names = candidate_names(domain)
    found = await facts.domain_policies(names)
    return next((found[name] for name in names if name in found), None)


async def federates_with(facts: DomainFacts, domain: str, *, own_domain: str) -> bool:
    """False for a suspended domain, and in allowlist mode for one not allowed."""
    if not await _allowed(facts, domain, own_domain):
        return False
    policy = await policy_for(facts, domain)
    return policy is None or policy.severity != SUSPEND


async def rejects_media(facts: DomainFacts, domain: str, *, own_domain: str) -> bool:
    """Whether media from `domain` may not be shown (suspended, refused, or rejected)."""
    if not await federates_with(facts, domain, own_domain=own_domain):
        return True
    policy = await policy_for(facts, domain)
    return policy is not None and policy.reject_media


async def _allowed(facts: DomainFacts, domain: str, own_domain: str) -> bool:
    if await facts.federation_mode() != ALLOWLIST or covers(own_domain, domain):
        return True
    return bool(await facts.allowed_domains(candidate_names(domain)))


def _rewrites(policy: RecordedPolicy) -> tuple[str, ...]:
    flags = ((policy.severity == LIMIT, "limited"), (policy.reject_media, "strip_media"),
             (policy.force_sensitive, "sensitive"))
    return tuple(rewrite for on, rewrite in flags if on)


def domain_policies(facts: DomainFacts, *, own_domain: str) -> list[NamedPolicy]:
    """The domain rules as pipeline policies, named for the audit log."""

    async def allowlist(candidate: Candidate) -> Verdict | None:
        if await _allowed(facts, candidate.domain, own_domain):
            return None
        return Verdict(Action.REJECT, f"the domain {candidate.domain} is not on the allowlist")

    async def suspend(candidate: Candidate) -> Verdict | None:
        policy = await policy_for(facts, candidate.domain)
        if policy is not None and policy.severity == SUSPEND:
            return Verdict(Action.REJECT, f"the domain {candidate.domain} is suspended")
        return None

    async def reports(candidate: Candidate) -> Verdict | None:
        if candidate.direction is not Direction.INBOUND or candidate.kind != "Flag":
            return None
        policy = await policy_for(facts, candidate.domain)
        if policy is not None and policy.reject_reports:
            return Verdict(Action.REJECT, f"reports from {candidate.domain} are rejected")
        return None

    async def rewrite(candidate: Candidate) -> Verdict | None:
        if candidate.direction is not Direction.INBOUND:
            return None
        policy = await policy_for(facts, candidate.domain)
        rewrites = () if policy is None else _rewrites(policy)
        if not rewrites:
            return None
        return Verdict(Action.REWRITE, f"the domain {candidate.domain} is moderated: "
                       + ", ".join(rewrites), rewrites)

    return [NamedPolicy("domain-allowlist", allowlist), NamedPolicy("domain-suspend", suspend),
            NamedPolicy("domain-reports", reports), NamedPolicy("domain-rewrite", rewrite)]


def suspended_domains_policy(facts: SeverityFacts) -> NamedPolicy:
    """Suspension alone, over severities only (for callers that know no other facts)."""

    async def check(candidate: Candidate) -> Verdict | None:
        if await severity_for(facts, candidate.domain) == SUSPEND:
            return Verdict(Action.REJECT, f"the domain {candidate.domain} is suspended")
        return None

    return NamedPolicy("domain-suspend", check)
