"""The one Jinja2 environment behind every HTML page (the report, the HTML digest).

Autoescape is on for every template, so every value a template prints is HTML-escaped by one
escaper (markupsafe's) and no interpolation can forget it; StrictUndefined turns a misspelt
name into an error instead of an empty string. Python prepares the data (text, URLs, chart
geometry); the templates under ``templates/`` only lay it out. Loaded only where HTML is
written: jinja2 stays out of the start-up of every other command.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

TEMPLATES = Path(__file__).with_name("templates")


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["number"] = lambda n: f"{n:,}"
    return env


def template(name: str) -> Template:
    return environment().get_template(name)


def render(name: str, **data: Any) -> str:
    """The template ``name`` filled with ``data``."""
    return template(name).render(**data)
