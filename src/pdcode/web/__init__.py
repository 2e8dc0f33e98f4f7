"""The workbench: a local web app over a project (``pdcode serve``).

A thin shell over :mod:`pdcode.api`, like the CLI: Starlette routes read the
request, call one api function and render its data with Jinja2 (or serve it as
JSON at the same address with ``.json``). ``security`` guards every request with
the token ``pdcode serve`` prints, a CSRF header on every write and strict
response headers; ``app`` builds the ASGI app; ``routes`` holds the pages and the
JSON API; ``templates`` and ``static`` ship everything the browser needs, so the
workbench works offline.
"""
