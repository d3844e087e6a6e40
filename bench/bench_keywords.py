"""Keyword rules: compile time, and posts judged per second with and without rules.

Rules are `word` rules of one to three made-up words spread over the four actions and
both directions; posts are about 500 characters of ordinary words, so most posts
match nothing (the common case, and the slowest: every bucket is searched). The
accented variant takes normalization's slow path (NFKC, casefold, marks stripped).
Each figure is the median of 5 timed runs.

    python -m bench.bench_keywords
"""

from __future__ import annotations

import itertools
import random
import statistics
import string
import time
from collections.abc import Callable, Iterator
from functools import partial

from moderation.candidate import Direction
from moderation.keywords import KeywordAction, KeywordMatcher, KeywordRule, RuleDirection

RUNS = 5
RUN_SECONDS = 0.5
_WORDS = (
    "the a and to of in is it you that was for on are with as i his they be at one have "
    "this from or had by hot word but what some we can out other were all there when up "
    "use your how said an each she which do their time if will way about many then them "
    "write would like so these her long make thing see him two has look more day could go "
    "come did number sound no most people my over know water than call first who may down "
    "side been now find any new work part take get place made live where after back little "
    "only round man year came show every good me give our under name very through just form "
    "sentence great think say help low line differ turn cause much mean before move right"
)
VOCABULARY = _WORDS.split(" ")


def _rules(count: int, rng: random.Random) -> list[KeywordRule]:
    actions, directions = list(KeywordAction), list(RuleDirection)
    rules = []
    for index in range(count):
        words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9)))
                 for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        rules.append(KeywordRule(index, " ".join(words), action=actions[index % 4],
                                 direction=directions[index % 3]))
    return rules


def _post(rng: random.Random, accented: bool = False) -> str:
    words: list[str] = []
    while sum(len(word) + 1 for word in words) < 500:
        words.append(rng.choice(VOCABULARY))
    text = " ".join(words).capitalize() + "."
    return text.replace("e", "é").replace("o", "ö") if accented else text


def _median_seconds(work: Callable[[], object]) -> float:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _median_rate(work: Callable[[], object]) -> float:
    work()
    rates = []
    for _ in range(RUNS):
        calls = 0
        started = time.perf_counter()
        while (now := time.perf_counter()) - started < RUN_SECONDS:
            for _ in range(20):
                work()
            calls += 20
        rates.append(calls / (now - started))
    return statistics.median(rates)


def _judge(matcher: KeywordMatcher, posts: Iterator[str]) -> object:
    return matcher.strongest(next(posts), Direction.INBOUND)


def main() -> None:
    rng = random.Random(42)
    for count in (1_000, 10_000):
        rules = _rules(count, rng)
        seconds = _median_seconds(partial(KeywordMatcher, rules))
        print(f"keywords: compile {count:>6,} rules: {seconds * 1000:8.1f} ms")
    posts = [_post(rng) for _ in range(50)]
    accented = [_post(rng, accented=True) for _ in range(50)]
    for label, matcher in (("0 rules", KeywordMatcher()),
                           ("1,000 rules", KeywordMatcher(_rules(1_000, rng))),
                           ("10,000 rules", KeywordMatcher(_rules(10_000, rng)))):
        for kind, texts in (("plain", posts), ("accented", accented)):
            rate = _median_rate(partial(_judge, matcher, itertools.cycle(texts)))
            print(f"keywords: {label:>12}, 500-char {kind:>8} posts: {rate:10,.0f} /s")


if __name__ == "__main__":
    main()
