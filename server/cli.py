"""The `kinhaven` command: exit 0 on success, 2 on a usage error, 1 on failure."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import NoReturn

from server.accounts import InvalidAccount, create_member, issue_token, parse_scopes
from server.config import ConfigError, Settings, load_settings
from server.instance import prepare_instance
from server.storage import accounts as account_store
from server.storage.accounts import EmailTaken, UsernameTaken
from server.storage.database import Database

EXIT_FAILURE = 1
EXIT_USAGE = 2


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
