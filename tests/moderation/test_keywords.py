from __future__ import annotations

import random
import string
from dataclasses import dataclass

import pytest

from moderation.candidate import Candidate, Direction
from moderation.keywords import (
    CW_PREFIX,
    DEFAULT_WARNING,
    InvalidRule,
    KeywordAction,
    KeywordMatcher,
    KeywordRule,
    MatchMode,
    RuleDirection,
    keyword_policy,
)
from moderation.pipeline import Action, Pipeline

Act = KeywordAction


@dataclass
class Source:
    matcher: KeywordMatcher

    def keyword_matcher(self) -> KeywordMatcher:
        return self.matcher


def post(text: str, direction: Direction = Direction.INBOUND) -> Candidate:
    return Candidate(direction, "Create", "https://m.example/u/a", "m.example", text=text)


def matched(rules: list[KeywordRule], text: str,
            direction: Direction = Direction.INBOUND) -> KeywordRule | None:
    found = KeywordMatcher(rules).strongest(text, direction)
    return found.rule if found else None


def test_words_match_whole_words_only() -> None:
    rule = KeywordRule(1, "ass")
    assert matched([rule], "a classic move") is None
    assert matched([rule], "assess") is None
    assert matched([rule], "what an ASS!") == rule


def test_rules_and_posts_are_normalized_alike() -> None:
    rule = KeywordRule(2, "Crème Brûlée")
    assert matched([rule], "CREME\u200b BRULEE tonight") == rule
    assert matched([KeywordRule(3, "strasse")], "die Straße") is not None
    assert matched([KeywordRule(4, "suicide")], "\uff33\uff35\uff29\uff23\uff29\uff24\uff25")


def test_phrases_match_across_line_breaks() -> None:
    rule = KeywordRule(5, "buy  now")
    assert matched([rule], "please BUY\n\n now") == rule
    assert matched([rule], "buy nowhere") is None


def test_the_longer_phrase_is_reported_when_both_match() -> None:
    short, long = KeywordRule(6, "free"), KeywordRule(7, "free crypto")
    found = KeywordMatcher([short, long]).strongest("get free crypto", Direction.INBOUND)
    assert found is not None
    assert (found.rule, found.matched) == (long, "free crypto")
    assert matched([short, long], "free cryptography") == short


def test_pattern_rules_apply_to_normalized_text() -> None:
    rule = KeywordRule(8, r"b[i1]tc[o0]in\s+giveaway", MatchMode.PATTERN)
    assert matched([rule], "B1TCOIN\ngiveaway!") == rule
    assert matched([rule], "bitcoin news") is None


@pytest.mark.parametrize("rule", [
    KeywordRule(9, r"(a+)+$", MatchMode.PATTERN),
    KeywordRule(9, r"(", MatchMode.PATTERN),
    KeywordRule(9, " \u200b "),
    KeywordRule(9, "word " * 50),
])
def test_invalid_rules_are_refused_naming_the_rule(rule: KeywordRule) -> None:
    with pytest.raises(InvalidRule, match="keyword rule 9") as refused:
        KeywordMatcher([KeywordRule(1, "fine"), rule])
    assert refused.value.rule_id == 9


def test_strongest_action_wins() -> None:
    rules = [
        KeywordRule(1, "spoiler", action=Act.FLAG),
        KeywordRule(2, "gore", action=Act.WARN),
        KeywordRule(3, "scam", MatchMode.PATTERN, action=Act.HOLD),
        KeywordRule(4, "slur", action=Act.REJECT),
    ]
    assert matched(rules, "spoiler gore scam slur") == rules[3]
    assert matched(rules, "spoiler gore scam") == rules[2]
    assert matched(rules, "spoiler gore") == rules[1]
    assert matched(rules, "spoiler") == rules[0]


def test_a_stronger_rule_overlapping_a_weaker_one_still_wins() -> None:
    weak = KeywordRule(1, "free crypto", action=Act.FLAG)
    strong = KeywordRule(2, "crypto scam", action=Act.REJECT)
    assert matched([weak, strong], "free crypto scam") == strong
    assert matched([weak, strong], "free crypto") == weak


def test_rules_apply_only_in_their_direction() -> None:
    inbound = KeywordRule(1, "alpha", direction=RuleDirection.INBOUND)
    outbound = KeywordRule(2, "beta", direction=RuleDirection.OUTBOUND)
    both = KeywordRule(3, "gamma", direction=RuleDirection.BOTH)
    rules = [inbound, outbound, both]
    assert matched(rules, "alpha", Direction.INBOUND) == inbound
    assert matched(rules, "alpha", Direction.OUTBOUND) is None
    assert matched(rules, "beta", Direction.INBOUND) is None
    assert matched(rules, "beta", Direction.OUTBOUND) == outbound
    assert matched(rules, "gamma", Direction.INBOUND) == both
    assert matched(rules, "gamma", Direction.OUTBOUND) == both


async def test_policy_verdicts_per_action() -> None:
    rules = [
        KeywordRule(12, "slur", action=Act.REJECT, note="slurs"),
        KeywordRule(13, "scam", action=Act.HOLD),
        KeywordRule(14, "gore", action=Act.WARN, warning="Gore"),
        KeywordRule(15, "blood", action=Act.WARN),
        KeywordRule(16, "spoiler", action=Act.FLAG),
    ]
    pipeline = Pipeline([keyword_policy(Source(KeywordMatcher(rules)))])
    rejected = await pipeline.decide(post("a slur here"))
    assert (rejected.action, rejected.policy) == (Action.REJECT, "keywords")
    assert rejected.reason == "matched keyword rule 12: 'slurs'"
    assert (await pipeline.decide(post("scam"))).action is Action.HOLD
    warned = await pipeline.decide(post("gore"))
    assert warned.rewrites == ("sensitive", CW_PREFIX + "Gore")
    assert (await pipeline.decide(post("blood"))).rewrites == (
        "sensitive", CW_PREFIX + DEFAULT_WARNING)
    flagged = await pipeline.decide(post("spoiler"))
    assert (flagged.action, flagged.rewrites) == (Action.REWRITE, ("flag",))
    assert (await pipeline.decide(post("nothing to see"))).action is Action.ACCEPT


async def test_reasons_quote_rules_briefly() -> None:
    long_phrase = "an unpleasant phrase that goes on and on for quite a while"
    policy = keyword_policy(Source(KeywordMatcher([KeywordRule(7, long_phrase)])))
    verdict = await policy.check(post(long_phrase.upper()))
    assert verdict is not None
    assert verdict.reason.startswith("matched keyword rule 7: ")
    assert len(verdict.reason) < len("matched keyword rule 7: ") + 45


async def test_the_policy_reads_the_current_matcher() -> None:
    source = Source(KeywordMatcher())
    policy = keyword_policy(source)
    assert await policy.check(post("spam")) is None
    source.matcher = KeywordMatcher([KeywordRule(1, "spam", action=Act.REJECT)])
    verdict = await policy.check(post("spam"))
    assert verdict is not None and verdict.action is Action.REJECT


def test_five_thousand_rules_compile_and_match_a_long_text() -> None:
    rng = random.Random(5000)
    words = {"".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 10)))
             for _ in range(6000)}
    phrases = sorted(words)[:5000]
    actions = list(KeywordAction)
    rules = [KeywordRule(index, phrase, action=actions[index % 4])
             for index, phrase in enumerate(phrases)]
    matcher = KeywordMatcher(rules)
    filler = "lorem ipsum dolor sit amet " * 200
    for target in (rules[4999], rules[1234], rules[2]):
        text = filler[:2500] + " " + target.text.upper() + " " + filler[:2400]
        assert len(text) >= 4900
        found = matcher.strongest(text, Direction.OUTBOUND)
        assert found is not None and found.rule == target
    assert matcher.strongest(filler[:5000], Direction.INBOUND) is None
    assert matcher.strongest(phrases[10] + "x", Direction.INBOUND) is None
