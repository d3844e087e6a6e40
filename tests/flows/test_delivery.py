"""Delivery to a Mastodon that fails: retries with backoff, final failures, Retry-After,
and hosts marked unavailable. Time is moved by handing the worker a later clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from server.activitypub.context import Federation
from server.clock import from_text, now
from server.services import posting, relations
from server.storage import deliveries as delivery_store
from server.storage import follows as follow_store
from server.storage.actors import Actor, get_actor
from server.storage.deliveries import JobStatus
from server.workers.delivery import DeliveryWorker
from tests.fake_mastodon import FakeAccount, FakeMastodon, run_fake_mastodon
from tests.instances import RunningInstance, run_instance
from tests.waiting import wait_until


@dataclass
class Setup:
    kinhaven: RunningInstance
    member: Actor
    mastodon: FakeMastodon
    bob: FakeAccount

    @property
    def federation(self) -> Federation:
        federation: Federation = self.kinhaven.app.state.federation
        return federation

    @property
    def worker(self) -> DeliveryWorker:
        worker: DeliveryWorker = self.kinhaven.app.state.workers[1]
        return worker

    async def job(self, activity_uri: str, predicate: object = None) -> JobStatus:
        async def probe() -> JobStatus | None:
            jobs = await delivery_store.job_statuses(self.kinhaven.db, activity_uri)
            if jobs and (predicate is None or predicate(jobs[0])):  # type: ignore[operator]
                return jobs[0]
            return None

        return await wait_until(probe, what=f"the delivery job of {activity_uri}")

    def creates_answered(self, status: int) -> int:
        return sum(1 for r in self.mastodon.inbox
                   if r.activity and r.activity["type"] == "Create" and r.status == status)


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    async with run_instance(tmp_path) as kinhaven, run_fake_mastodon() as mastodon:
        member = await get_actor(kinhaven.db, await kinhaven.add_member("alice"))
        assert member is not None
        bob = mastodon.add_account("bob")
        follow = mastodon.follow(bob, member.uri)
        await mastodon.deliver(bob, f"{kinhaven.base_url}/inbox", follow)

        async def requested() -> list[follow_store.Follow]:
            return await follow_store.pending_requests(kinhaven.db, member.id)

        request = (await wait_until(requested, what="bob's follow request"))[0]
        federation: Federation = kinhaven.app.state.federation
        await relations.accept_request(federation, request)
        await mastodon.wait_for(lambda a: a["type"] == "Accept")
        yield Setup(kinhaven, member, mastodon, bob)


async def test_server_error_is_retried_and_delivered_once(setup: Setup) -> None:
    setup.mastodon.fail_next(1, 500)
    post = await posting.publish(setup.federation, setup.member, "hi", visibility="public")
    activity = f"{post.uri}/activity"
    failed = await setup.job(activity, lambda j: j.attempts == 1)
    assert (failed.state, failed.last_status) == ("queued", 500)
    assert from_text(failed.next_attempt_at) > now() + timedelta(seconds=15)
    assert await setup.worker.run_once(at=now() + timedelta(hours=1)) == 1
    done = await setup.job(activity)
    assert (done.state, done.attempts, done.last_status) == ("done", 2, 202)
    assert setup.creates_answered(500) == 1
    assert setup.creates_answered(202) == 1


@pytest.mark.parametrize("status", [403, 404, 405, 410, 422, 501])
async def test_client_errors_are_final(setup: Setup, status: int) -> None:
    setup.mastodon.fail_next(1, status)
    post = await posting.publish(setup.federation, setup.member, "hi", visibility="public")
    job = await setup.job(f"{post.uri}/activity", lambda j: j.state != "queued")
    assert (job.state, job.attempts, job.last_status) == ("failed", 1, status)
    assert await setup.worker.run_once(at=now() + timedelta(days=1)) == 0


async def test_retry_after_is_honoured(setup: Setup) -> None:
    setup.mastodon.fail_next(1, 429, retry_after=7200)
    post = await posting.publish(setup.federation, setup.member, "hi", visibility="public")
    job = await setup.job(f"{post.uri}/activity", lambda j: j.attempts == 1)
    wait = from_text(job.next_attempt_at) - now()
    assert timedelta(seconds=7100) < wait <= timedelta(seconds=7200)
    assert await setup.worker.run_once(at=now() + timedelta(minutes=30)) == 0


async def test_host_failing_seven_days_is_unavailable_until_it_speaks(setup: Setup) -> None:
    setup.mastodon.fail_next(7, 503)
    post = await posting.publish(setup.federation, setup.member, "hi", visibility="public")
    activity = f"{post.uri}/activity"
    await setup.job(activity, lambda j: j.attempts == 1)
    for day in range(1, 7):
        await setup.worker.run_once(at=now() + timedelta(days=day))
    job = await setup.job(activity)
    assert job.state == "failed"
    assert job.last_error == "the host is unavailable"
    host = setup.mastodon.domain
    assert setup.federation.health.unavailable(host)
    later = await posting.publish(setup.federation, setup.member, "later", visibility="public")
    skipped = await setup.job(f"{later.uri}/activity", lambda j: j.state != "queued")
    assert skipped.last_error == "the host is unavailable"
    like = setup.mastodon.like(setup.bob, post.uri)
    response = await setup.mastodon.deliver(setup.bob, f"{setup.kinhaven.base_url}/inbox", like)
    assert response.status_code == 202
    assert not setup.federation.health.unavailable(host)
    assert await delivery_store.failure_days_by_host(setup.kinhaven.db) == {}
