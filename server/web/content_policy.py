"""The Content-Security-Policy every page carries: nothing from other sites, no
framing, forms posted only here. A page that must let its form lead elsewhere (the
OAuth consent page, back to the app) names that one target."""

from __future__ import annotations


def page_policy(*, form_action: str = "") -> str:
    targets = f"'self' {form_action}" if form_action else "'self'"
    return (f"default-src 'none'; style-src 'self'; img-src 'self'; form-action {targets};"
            " frame-ancestors 'none'; base-uri 'none'")
