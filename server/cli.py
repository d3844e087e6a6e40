"""The `kinhaven` command: exit 0 on success, 2 on a usage error, 1 on failure."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import NoReturn

from federation.client import GuardedClient
from moderation.domain_csv import CsvBlock, UnreadableList, export_blocklist, parse_blocklist
from moderation.domains import FEDERATION_MODES, InvalidDomain, covers, normalize_domain
from server.accounts import InvalidAccount, create_member, issue_token, parse_scopes
from server.activitypub.context import Federation, build_federation
from server.config import ConfigError, Settings, load_settings
from server.instance import prepare_instance
from server.services.holding import NotWaiting, decide_hold
from server.storage import accounts as account_store
from server.storage import holds as hold_store
from server.storage import policy as policy_store
from server.storage import posts as post_store
from server.storage.accounts import EmailTaken, UsernameTaken
from server.storage.actors import get_actor
from server.storage.database import Database

EXIT_FAILURE = 1
EXIT_USAGE = 2
DOMAIN_COMMAND = "kinhaven domain (command line)"
"""Who the audit log names for domain policy changed from the command line."""


class Failure(Exception):
    """The command could not do what was asked; the message is the one-line reason."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


async def _with_database(settings: Settings, work: Callable[[Database], Awaitable[None]]) -> None:
    db = await Database.open(settings.database)
    try:
        await prepare_instance(db, settings)
        await work(db)
    finally:
        await db.close()


def _init(settings: Settings, _args: argparse.Namespace) -> None:
    async def work(db: Database) -> None:
        admins = await account_store.count_accounts(db, role="admin")
        print(f"database ready at {settings.database}")
        if admins == 0:
            print("no admin yet: kinhaven user create NAME --password PASSWORD --role admin")

    asyncio.run(_with_database(settings, work))


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from server.app import create_app
    from server.serving import uvicorn_config

    uvicorn.Server(uvicorn_config(create_app(settings), host=args.host, port=args.port)).run()


def _user_create(settings: Settings, args: argparse.Namespace) -> None:
    async def work(db: Database) -> None:
        try:
            await create_member(
                db,
                settings,
                username=args.name,
                password=args.password,
                role=args.role,
                email=args.email,
            )
        except (InvalidAccount, UsernameTaken, EmailTaken) as error:
            raise Failure(str(error)) from error
        print(f"created {args.role} @{args.name}@{settings.domain}")

    asyncio.run(_with_database(settings, work))


def _token_create(settings: Settings, args: argparse.Namespace) -> None:
    async def work(db: Database) -> None:
        try:
            scopes = parse_scopes(args.scopes)
        except InvalidAccount as error:
            raise Failure(str(error)) from error
        account = await account_store.get_account_by_username(db, args.name)
        if account is None:
            raise Failure(f"no local account named {args.name!r}")
        print(await issue_token(db, account_id=account.actor_id, scopes=scopes, label="cli"))

    asyncio.run(_with_database(settings, work))


def _domain(text: str) -> str:
    try:
        return normalize_domain(text)
    except InvalidDomain as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _domain_block(settings: Settings, args: argparse.Namespace) -> None:
    if covers(args.domain, settings.domain):
        raise Failure(f"{args.domain} covers this instance's own domain {settings.domain}")

    async def work(db: Database) -> None:
        severed = await policy_store.block_domain(
            db, args.domain, severity=args.severity, reason=args.reason,
            private_reason=args.private_reason, reject_media=args.reject_media,
            reject_reports=args.reject_reports, force_sensitive=args.force_sensitive,
            obfuscate=args.obfuscate, by_id=None, by_name=DOMAIN_COMMAND,
        )
        note = f", {severed} follows severed" if args.severity == "suspend" else ""
        print(f"{args.domain}: {args.severity}{note}")

    asyncio.run(_with_database(settings, work))


def _domain_unblock(settings: Settings, args: argparse.Namespace) -> None:
    async def work(db: Database) -> None:
        if not await policy_store.unblock_domain(db, args.domain, by_id=None,
                                                by_name=DOMAIN_COMMAND):
            raise Failure(f"no policy is recorded for {args.domain}")
        print(f"{args.domain}: policy removed")

    asyncio.run(_with_database(settings, work))


def _domain_allow(settings: Settings, args: argparse.Namespace) -> None:
    async def work(db: Database) -> None:
        added = await policy_store.allow_domain(db, args.domain, by_id=None,
                                                by_name=DOMAIN_COMMAND)
        print(f"{args.domain}: allowed" + ("" if added else " already"))

    asyncio.run(_with_database(settings, work))


def _domain_disallow(settings: Settings, args: argparse.Namespace) -> None:
    async def work(db: Database) -> None:
        if not await policy_store.disallow_domain(db, args.domain, by_id=None,
                                                  by_name=DOMAIN_COMMAND):
            raise Failure(f"{args.domain} is not on the allowlist")
        print(f"{args.domain}: no longer allowed")

    asyncio.run(_with_database(settings, work))


def _flags(policy: policy_store.DomainPolicy) -> str:
    names = ("reject_media", "reject_reports", "force_sensitive", "obfuscate")
    return ",".join(name for name in names if getattr(policy, name)) or "-"


def _domain_list(settings: Settings, args: argparse.Namespace) -> None:
    async def work(db: Database) -> None:
        mode = await policy_store.federation_mode(db, settings.federation_mode)
        blocks = await policy_store.list_blocks(db)
        allows = await policy_store.list_allows(db)
        if args.json:
            print(json.dumps({"mode": mode, "blocks": [asdict(b) for b in blocks],
                              "allows": [asdict(a) for a in allows]}, indent=2))
            return
        print(f"federation mode: {mode}")
        for block in blocks:
            print(f"block {block.domain} {block.severity} {_flags(block)}"
                  f" {json.dumps(block.public_comment)}")
        for allow in allows:
            print(f"allow {allow.domain}")

    asyncio.run(_with_database(settings, work))


def _domain_mode(settings: Settings, args: argparse.Namespace) -> None:
    async def work(db: Database) -> None:
        if args.mode is not None:
            chosen = None if args.mode == "default" else args.mode
            await policy_store.set_federation_mode(db, chosen, by_id=None,
                                                   by_name=DOMAIN_COMMAND)
        mode = await policy_store.federation_mode(db, settings.federation_mode)
        print(f"federation mode: {mode}")

    asyncio.run(_with_database(settings, work))


def _domain_import(settings: Settings, args: argparse.Namespace) -> None:
    try:
        parsed = parse_blocklist(Path(args.file).read_bytes())
    except (OSError, UnreadableList) as error:
        raise Failure(f"cannot read {args.file}: {error}") from error
    own = [b for b in parsed.blocks if covers(b.domain, settings.domain)]
    policies = [policy_store.DomainPolicy(b.domain, b.severity, b.reject_media, b.reject_reports,
                                          public_comment=b.public_comment, obfuscate=b.obfuscate)
                for b in parsed.blocks if b not in own]

    async def work(db: Database) -> None:
        recorded = await policy_store.import_blocks(db, policies, by_id=None,
                                                    by_name=DOMAIN_COMMAND,
                                                    source=Path(args.file).name)
        for error in parsed.errors:
            print(f"kinhaven: {args.file}: line {error.line}: {error.reason}", file=sys.stderr)
        for block in own:
            print(f"kinhaven: {args.file}: {block.domain} covers this instance: skipped",
                  file=sys.stderr)
        print(f"imported {len(recorded)}, skipped {len(policies) - len(recorded)} already"
              f" covered, {len(parsed.errors)} bad lines")

    asyncio.run(_with_database(settings, work))


def _domain_export(settings: Settings, _args: argparse.Namespace) -> None:
    async def work(db: Database) -> None:
        blocks = [CsvBlock(b.domain, b.severity, b.reject_media, b.reject_reports,
                           b.public_comment, b.obfuscate)
                  for b in await policy_store.list_blocks(db)]
        sys.stdout.write(export_blocklist(blocks))

    asyncio.run(_with_database(settings, work))


def _add_domain_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    domain = commands.add_parser("domain", help="domain policy: blocks, the allowlist, CSV")
    sub = domain.add_subparsers(dest="domain_command", required=True, parser_class=_Parser)
    block = sub.add_parser("block", help="record or replace a domain's policy")
    block.add_argument("domain", type=_domain)
    block.add_argument("--severity", required=True,
                       choices=("suspend", "limit", policy_store.REJECT_MEDIA, "noop"))
    block.add_argument("--reason", default="", help="the public comment")
    block.add_argument("--private-reason", default="", help="seen by moderators only")
    for flag in ("--reject-media", "--reject-reports", "--force-sensitive", "--obfuscate"):
        block.add_argument(flag, action="store_true")
    block.set_defaults(handler=_domain_block)
    for name, handler, text in (("unblock", _domain_unblock, "remove a domain's policy"),
                                ("allow", _domain_allow, "add a domain to the allowlist"),
                                ("disallow", _domain_disallow, "remove it from the allowlist")):
        command = sub.add_parser(name, help=text)
        command.add_argument("domain", type=_domain)
        command.set_defaults(handler=handler)
    listing = sub.add_parser("list", help="blocks, allows and the federation mode")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_domain_list)
    mode = sub.add_parser("mode", help="show or set the federation mode")
    mode.add_argument("mode", nargs="?", choices=(*FEDERATION_MODES, "default"))
    mode.set_defaults(handler=_domain_mode)
    importing = sub.add_parser("import", help="import Mastodon's domain block CSV")
    importing.add_argument("file")
    importing.set_defaults(handler=_domain_import)
    sub.add_parser("export", help="Mastodon's domain block CSV to stdout").set_defaults(
        handler=_domain_export)


async def _with_federation(settings: Settings,
                           work: Callable[[Federation], Awaitable[None]]) -> None:
    """For commands whose work may queue deliveries; the running server sends them."""
    db = await Database.open(settings.database)
    try:
        instance = await prepare_instance(db, settings)
        client = GuardedClient(allow_private=settings.insecure_federation,
                               user_agent=f"Kinhaven (+{settings.base_url}/)")
        try:
            await work(build_federation(db, instance, client))
        finally:
            await client.aclose()
    finally:
        await db.close()


def _queue_list(settings: Settings, args: argparse.Namespace) -> None:
    async def work(db: Database) -> None:
        held = await hold_store.waiting(db)
        rows: list[dict[str, str | int | None]] = []
        for item in held:
            post = await post_store.get_post(db, item.post_id)
            author = None if post is None else await get_actor(db, post.actor_id)
            rows.append({"id": item.id, "author": None if author is None else author.handle,
                         "reason": item.reason, "policy": item.policy,
                         "held_at": item.created_at,
                         "text": "" if post is None else (post.source_text or "")[:200]})
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            print("nothing is waiting")
        for row in rows:
            print(f"{row['id']}\t@{row['author']}\t{row['reason']}\t{str(row['text'])[:60]!r}")

    asyncio.run(_with_database(settings, work))


def _queue_decide(settings: Settings, args: argparse.Namespace) -> None:
    approve = args.queue_command == "approve"

    async def work(federation: Federation) -> None:
        try:
            await decide_hold(federation, args.id, approve=approve, by_id=None,
                              by_name="kinhaven queue (command line)", note=args.note)
        except NotWaiting as error:
            raise Failure(f"no held post {args.id} is waiting for a decision") from error
        print(f"hold {args.id}: {'approved' if approve else 'rejected'}")

    asyncio.run(_with_federation(settings, work))


def _add_queue_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    queue = commands.add_parser("queue", help="the moderation hold queue")
    sub = queue.add_subparsers(dest="queue_command", required=True, parser_class=_Parser)
    listing = sub.add_parser("list", help="held posts waiting for a decision")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_queue_list)
    for name, text in (("approve", "publish a held post"), ("reject", "keep it unpublished")):
        command = sub.add_parser(name, help=text)
        command.add_argument("id", type=int)
        command.add_argument("--note", default="", help="for the author")
        command.set_defaults(handler=_queue_decide)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kinhaven", description="Run and manage a Kinhaven instance.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    commands.add_parser("init", help="create or migrate the database and keys").set_defaults(
        handler=_init
    )

    serve = commands.add_parser("serve", help="serve the instance")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=_serve)

    user = commands.add_parser("user", help="manage local accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    create = user_commands.add_parser("create", help="create an approved local account")
    create.add_argument("name")
    create.add_argument("--password", required=True)
    create.add_argument("--role", choices=account_store.ROLES, default="member")
    create.add_argument("--email")
    create.set_defaults(handler=_user_create)

    token = commands.add_parser("token", help="manage API tokens")
    token_commands = token.add_subparsers(
        dest="token_command", required=True, parser_class=_Parser
    )
    token_create = token_commands.add_parser("create", help="print a new bearer token")
    token_create.add_argument("name")
    token_create.add_argument("--scopes", default="read write follow")
    token_create.set_defaults(handler=_token_create)
    _add_domain_commands(commands)
    _add_queue_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.INFO if args.command == "serve" else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        args.handler(settings, args)
    except (ConfigError, Failure) as error:
        print(f"kinhaven: {error}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


if __name__ == "__main__":
    sys.exit(main())
