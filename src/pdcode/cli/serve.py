"""`pdcode serve`: the workbench, a local web app over the project."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pdcode.cli.app import app
from pdcode.cli.render import DEFAULT_PROJECT, ProjectOption, printable
from pdcode.errors import PdcodeError, UsageError

if TYPE_CHECKING:
    import socket

TOKEN_ENV = "PDCODE_SERVE_TOKEN"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this computer only (127.0.0.0/8, ::1,
    localhost)."""
    import ipaddress

    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, team: bool = False) -> str | None:
    """The warning to print when the workbench listens beyond this computer."""
    if is_loopback(host):
        return None
    if team:
        return (
            f"WARNING: listening on {host}, which other computers can reach, in plain HTTP: "
            "tokens and transcripts cross the network unencrypted. Listen on 127.0.0.1 "
            "behind a reverse proxy with TLS instead (docs/teams.md)."
        )
    return (
        f"WARNING: listening on {host}, which other computers can reach: anyone who can "
        "reach this port and has the token can read the transcripts and code them."
    )


def address(host: str, port: int, token: str | None = None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token is not None else "")


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` (0: a free port), for uvicorn to serve."""
    import socket

    try:
        family, kind, proto, _, where = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        raise UsageError(f"--host {host!r} is not an address of this computer") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(where)
        # Listening now queues a browser's first request (--open, or a script that
        # read the address) until uvicorn accepts it.
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise PdcodeError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    sock.set_inheritable(True)
    return sock


def _who(coder: str | None) -> str:
    import getpass

    if coder:
        return coder
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        raise UsageError("cannot tell your user name; pass --coder NAME") from None


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@app.command("serve")
def serve(
    project: ProjectOption = DEFAULT_PROJECT,
    coder: Annotated[
        str | None,
        typer.Option(
            help="Your name: your hand coding and review decisions are stored under it, "
            "with provenance human:NAME, as pdcode codings import stores a person. "
            "Refused when the project has coders (pdcode coder add): each of them is "
            "known by their own token. [default: your user name]"
        ),
    ] = None,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="The port; 0 picks a free one.")
    ] = 8765,
    host: Annotated[
        str,
        typer.Option(
            help="The address to listen on. Anything but a loopback address "
            "lets other computers reach the workbench."
        ),
    ] = "127.0.0.1",
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the workbench in the web browser.")
    ] = False,
) -> None:
    """Read, code and review the project in the web browser (the workbench).

    For one person (the project has no coders): prints the address to open, with
    an access token every request needs: a new random one each run, or the value of
    the PDCODE_SERVE_TOKEN environment variable when it is set. For a team (the
    project has coders, see pdcode coder add): each person opens it with their own
    link, and what they do is stored under their name. Ctrl-C stops the server.
    """
    import logging
    import secrets
    import signal
    import webbrowser

    import uvicorn

    from pdcode import api
    from pdcode.api.review import human_coder
    from pdcode.web.app import create_app, create_team_app

    with api.open_project(project) as proj:  # a missing or damaged project: one line now
        team = api.coders.team(proj)
    if team:
        if coder is not None:
            raise UsageError(
                "--coder is not used for a project with coders: each person opens the "
                "workbench with their own link (pdcode coder list; without coders, serve "
                "is for one person)"
            )
        if os.environ.get(TOKEN_ENV, "").strip():
            typer.echo(f"Note: {TOKEN_ENV} is not used: each coder has their own token.", err=True)
        web = create_team_app(project)
        token = None
        who = "for its coders"
    else:
        me = human_coder(_who(coder))
        token = os.environ.get(TOKEN_ENV, "").strip() or secrets.token_urlsafe(32)
        web = create_app(project, me, token)
        who = f"as {printable(me)}"
    sock = listen(host, port)
    url = address(host, sock.getsockname()[1], token)
    warning = exposure_warning(host, team)
    if warning is not None:
        typer.echo(warning, err=True)
    print(f"Serving {printable(api.project_name(project))} {who} at {url}", flush=True)
    if team:
        print("Each coder opens it with ?token=THEIR-TOKEN (pdcode coder add).", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    server = uvicorn.Server(
        uvicorn.Config(
            web,
            host=host,
            port=sock.getsockname()[1],
            log_level="warning",
            access_log=False,  # the log would show addresses, with source names
            # Behind a reverse proxy on this computer, its X-Forwarded-Proto tells
            # the guard the browser's scheme, which the same-origin check compares
            # (uvicorn trusts it from 127.0.0.1 only, or FORWARDED_ALLOW_IPS).
            proxy_headers=True,
            lifespan="on",
        )
    )
    if open_browser:
        webbrowser.open(url)
    before = signal.signal(signal.SIGTERM, _stop)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, before)
        sock.close()
    print("Stopped.", flush=True)
