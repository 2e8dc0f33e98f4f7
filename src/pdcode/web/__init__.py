"""The workbench: a local web app over a project (``pdcode serve``).

A thin shell over :mod:`pdcode.api`, like the CLI: Starlette routes read the
request, call one api function and render its data with Jinja2 (or serve it as
JSON at the same address with ``.json``). ``security`` guards every request with
an access token (the one ``pdcode serve`` prints, or on a team's project each
coder's own from ``pdcode coder add``, whose person then makes every write), a
CSRF header on every write and strict response headers; ``app`` builds the ASGI
app; ``routes`` holds the pages and the JSON API; ``templates`` and ``static``
ship everything the browser needs, so the workbench works offline.
"""
