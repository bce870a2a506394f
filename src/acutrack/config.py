"""queries.toml and settings.

Settings follow the contract: option beats environment beats file beats default. The
NCBI API key and the SMTP password live only in memory and are never part of a repr.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError

DEFAULT_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
APP_NAME = "acutrack"
# Upper bounds of the NCBI tuning settings: an hour per request, 20 tries, 5 minutes before
# the second try (doubled after each further one, each pause capped by the client).
MAX_TIMEOUT = 3600.0
MAX_RETRIES = 20
MAX_RETRY_DELAY = 300.0
CONDITION_KEYS = {"label", "aliases", "query"}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ConfigError(UsageError, ValueError):
    """A bad setting or queries file: the CLI exits 2 with this one-sentence message."""


class UnknownCondition(ConfigError):
    pass


@dataclass(frozen=True)
class Condition:
    name: str
    label: str
    aliases: tuple[str, ...]
    query: str
    intervention: str

    @property
    def full_query(self) -> str:
        if not self.intervention:
            return self.query
        return f"({self.query}) AND ({self.intervention})"

    @property
    def query_hash(self) -> str:
        """Identifies the search, so a changed query starts its history afresh."""
        import hashlib  # lazily: OpenSSL's start-up cost is not for read commands

        return hashlib.sha256(self.full_query.encode()).hexdigest()[:16]


@dataclass
class Queries:
    path: Path
    intervention: str
    conditions: dict[str, Condition] = field(default_factory=dict)

    def _index(self) -> dict[str, str]:
        """Every name and alias -> its condition; built once per set of conditions (resolving
        many names stays linear)."""
        cached = self.__dict__.get("_names")
        if cached is not None and cached[0] == len(self.conditions):
            return cached[1]
        names = {name: name for name in self.conditions}
        for cond in self.conditions.values():
            for alias in cond.aliases:
                names[alias] = cond.name
        self.__dict__["_names"] = (len(self.conditions), names)
        return names

    def resolve(self, name: str) -> Condition:
        """A condition by its name or alias (case-insensitive)."""
        key = name.strip().lower()
        index = self._index()
        if key in index:
            return self.conditions[index[key]]
        close = close_names(key, index)
        hint = (
            f"did you mean {' or '.join(close)}?"
            if close
            else "known conditions are " + ", ".join(self.conditions)
        )
        raise UnknownCondition(f"Unknown condition '{name}' in {self.path}: {hint}")

    def select(self, names: tuple[str, ...] | list[str]) -> list[Condition]:
        if not names:
            return list(self.conditions.values())
        chosen: list[Condition] = []
        for name in names:
            cond = self.resolve(name)
            if cond not in chosen:
                chosen.append(cond)
        return chosen

    def resolve_stored(self, name: str, stored: list[str]) -> tuple[str, str]:
        """(name, label) of a condition: a name or alias from queries.toml, or one of the
        ``stored`` condition names (conditions only `import` used, not in queries.toml)."""
        key = name.strip().lower()
        try:
            cond = self.resolve(name)
            return cond.name, cond.label
        except UnknownCondition:
            pass
        if key in stored:
            return key, key
        aliases = (a for c in self.conditions.values() for a in c.aliases)
        close = close_names(key, sorted({*self.conditions, *stored, *aliases}))
        hint = (
            f"did you mean {' or '.join(close)}?"
            if close
            else "known conditions are " + ", ".join(sorted({*self.conditions, *stored}))
        )
        raise UnknownCondition(f"Unknown condition '{name}': {hint}")

    def select_stored(self, names: tuple[str, ...] | list[str], stored: list[str]) -> list[str]:
        """Condition names for ``names`` (see ``resolve_stored``); without names, every
        condition of queries.toml, then the stored ones not in it."""
        if not names:
            return list(self.conditions) + [c for c in stored if c not in self.conditions]
        chosen: list[str] = []
        for name in names:
            cond = self.resolve_stored(name, stored)[0]
            if cond not in chosen:
                chosen.append(cond)
        return chosen


def lint_query(query: str) -> list[str]:
    """Problems PubMed would not explain well: unmatched quotes, parentheses and brackets.

    One rule for queries.toml as read and for ``acutrack queries add``.
    """
    problems: list[str] = []
    if query.count('"') % 2:
        problems.append('has an unmatched " (phrases need a closing quote)')
        return problems
    depth = {"(": 0, "[": 0}
    closing = {")": "(", "]": "["}
    outside = query.split('"')[::2]  # the parts outside quoted phrases
    for part in outside:
        for char in part:
            if char in depth:
                depth[char] += 1
            elif char in closing:
                depth[closing[char]] -= 1
                if depth[closing[char]] < 0:
                    problems.append(f"has a '{char}' with no '{closing[char]}' before it")
                    return problems
    for opening, n in depth.items():
        if n > 0:
            problems.append(f"has {n} '{opening}' never closed")
    return problems


def _clean(query: str) -> str:
    return " ".join(query.split())


def _line_of(text: str, table: str, key: str | None = None) -> int:
    """Best-effort line number of a table header (or a key inside it) for error messages."""
    lines = text.splitlines()
    start = 0
    for i, line in enumerate(lines):
        if re.match(rf"\s*\[\s*\"?{re.escape(table)}\"?\s*\]", line):
            start = i
            if key is None:
                return i + 1
            break
    if key is not None:
        for j in range(start, len(lines)):
            if re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", lines[j]):
                return j + 1
    return start + 1


def _toml_kind(value: object) -> str:
    """What a TOML value is, in a user's words: a number, true/false, a list, a table."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


def parse_queries(text: str, path: Path) -> Queries:
    """Parse and validate queries.toml text; every problem is a ConfigError naming a line."""
    # Imported here: `search` without --condition, `article` and `stats` never read the
    # file, and tomllib is about 2 ms of their start-up (issue 26 part 5).
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(where.group(1)) if where else max(len(text.splitlines()), 1)
        reason = re.sub(r"\s*\(at [^)]*\)", "", message)
        raise ConfigError(
            f"{path} line {line} is not valid TOML ({reason}); fix that line"
        ) from None
    intervention = data.pop("intervention", "")
    if not isinstance(intervention, str):
        raise ConfigError(
            f"{path} line {_line_of(text, '', 'intervention')}: 'intervention' must be a string "
            "holding the shared PubMed query part"
        )
    problems = lint_query(intervention)
    if problems:
        raise ConfigError(
            f"{path} line {_line_of(text, '', 'intervention')}: 'intervention' {problems[0]}; "
            "fix it (the rule 'acutrack queries add' applies)"
        )
    queries = Queries(path=path, intervention=_clean(intervention))
    seen: dict[str, str] = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(
                f"{path} line {_line_of(text, '', name)}: unknown top-level key '{name}'; "
                "conditions are tables like [lupus] and the only top-level key is 'intervention'"
            )
        if not NAME_RE.match(name):
            raise ConfigError(
                f"{path} line {_line_of(text, name)}: condition name '{name}' must be lower-case "
                "letters, digits, "
                "'-' or '_'"
            )
        unknown = set(table) - CONDITION_KEYS
        if unknown:
            key = sorted(unknown)[0]
            raise ConfigError(
                f"{path} line {_line_of(text, name, key)}: unknown key '{key}' in [{name}]; "
                f"allowed keys are {', '.join(sorted(CONDITION_KEYS))}"
            )
        query = table.get("query")
        if query is not None and not isinstance(query, str):
            raise ConfigError(
                f"{path} line {_line_of(text, name, 'query')}: the query of [{name}] must be "
                f"text in quotes, not {_toml_kind(query)}; write query = '...'"
            )
        if not isinstance(query, str) or not query.strip():
            raise ConfigError(
                f"{path} line {_line_of(text, name)}: [{name}] has no query; add query = '...'"
            )
        problems = lint_query(query)
        if problems:
            raise ConfigError(
                f"{path} line {_line_of(text, name, 'query')}: the query of [{name}] "
                f"{problems[0]}; fix it (the rule 'acutrack queries add' applies)"
            )
        label = table.get("label", name)
        aliases = table.get("aliases", [])
        if not isinstance(label, str):
            raise ConfigError(
                f"{path} line {_line_of(text, name, 'label')}: label must be a string"
            )
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(
                f"{path} line {_line_of(text, name, 'aliases')}: aliases must be a list of strings"
            )
        aliases = [a.strip().lower() for a in aliases]
        for key in [name, *aliases]:
            if key in seen:
                raise ConfigError(
                    f"{path} line {_line_of(text, name, 'aliases' if key != name else None)}: "
                    f"'{key}' in [{name}] is already used by [{seen[key]}]; remove one of them"
                )
            seen[key] = name
        queries.conditions[name] = Condition(
            name=name,
            label=label,
            aliases=tuple(aliases),
            query=_clean(query),
            intervention=queries.intervention,
        )
    if not queries.conditions:
        raise ConfigError(f"{path} defines no conditions; add a table such as [lupus] with a query")
    return queries


def packaged_queries_path() -> Path:
    return Path(__file__).with_name("queries.toml")


def find_queries_path(explicit: str | None) -> Path:
    """--queries / ACUTRACK_QUERIES, else ./queries.toml, else the user's, else the packaged."""
    if explicit:
        return Path(explicit).expanduser()
    local = Path("queries.toml")
    if local.is_file():
        return local
    from platformdirs import user_config_path

    user = user_config_path(APP_NAME) / "queries.toml"
    if user.is_file():
        return user
    return packaged_queries_path()


def read_queries_text(path: Path) -> str:
    """The file's text, line endings kept; a missing or unreadable file is a ConfigError."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"Queries file {path} does not exist; check --queries or ACUTRACK_QUERIES"
        ) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"Queries file {path} is not UTF-8 (line {line}); save it as UTF-8 in your editor"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"Queries file {path} cannot be read ({exc.__class__.__name__})"
        ) from None


def load_queries(explicit: str | None = None) -> Queries:
    path = find_queries_path(explicit)
    return parse_queries(read_queries_text(path), path)


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME) / "acutrack.db"


def db_path(explicit: str | None) -> Path:
    return Path(explicit).expanduser() if explicit else default_db_path()


def close_names(key: str, names: Iterable[str]) -> list[str]:
    """The names a mistyped ``key`` plausibly meant: a near spelling (difflib ratio of at
    least 0.75: "lupsu", "psorasis") or one holding it whole ("sclerosis" in
    "multiple-sclerosis"); never merely names that share a few letters."""
    import difflib

    names = list(dict.fromkeys(names))
    found = difflib.get_close_matches(key, names, n=3, cutoff=0.75)
    if len(key) >= 3:
        found += [n for n in names if key in n and n not in found]
    return found[:3]


def secrets() -> list[str]:
    """The secret values in this process's settings (API key, SMTP user and password)."""
    found = []
    key = os.environ.get("NCBI_API_KEY")
    if key:
        found.append(key)
    smtp = os.environ.get("ACUTRACK_SMTP_URL")
    if smtp:
        m = re.match(r"^[a-z]+://([^@/]*)@", smtp)
        if m:
            user, _, password = m.group(1).partition(":")
            from urllib.parse import unquote

            found += [v for v in (password, unquote(password)) if len(v) >= 3]
    return found


# Characters that end a value inside a URL, a setting or a quoted string.
_VALUE_EDGES = frozenset(":/@=&?'\"()<>[]{},;|")


def mask(text: str, secret: str, *, words_too: bool = False) -> str:
    """``text`` with the secret's own occurrences replaced by ***, never parts of words.

    A secret of 8 characters or more is no word of a sentence: every occurrence goes. A
    shorter one goes only as a whole token (no letter or digit next to it); and a short one
    made of letters only ("server") could be a word of acutrack's own sentence ("the mail
    server"), so it goes only where it stands as a value, next to URL or quoting
    punctuation (":server@", "'server'") -- unless ``words_too``, for text that came from
    outside (a server's reply), where the word itself may be the echoed secret."""
    if len(secret) >= 8:
        return text.replace(secret, "***")
    pattern = re.compile(r"(?<![^\W_])" + re.escape(secret) + r"(?![^\W_])")
    if words_too or not secret.isalpha():
        return pattern.sub("***", text)

    def as_value(m: re.Match[str]) -> str:
        before = text[m.start() - 1 : m.start()]
        after = text[m.end() : m.end() + 1]
        return "***" if before in _VALUE_EDGES or after in _VALUE_EDGES else m.group()

    return pattern.sub(as_value, text)


def redact(text: str) -> str:
    """``text`` with every secret value replaced by ***: the last guard before output."""
    for secret in secrets():
        text = mask(text, secret)
    return text


def _number(
    name: str, default: float, *, minimum: float, above: bool, maximum: float, integer: bool
) -> float:
    """A numeric setting from the environment, or a ConfigError naming it and the allowed
    range. The upper bound keeps absurd values (1e308 seconds) from failing later, deep in
    a sleep or a socket call."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    kind = "a whole number" if integer else "a number of seconds"
    bound = f"greater than {minimum:g}" if above else f"at least {minimum:g}"
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = None
    if (
        value is None
        or not math.isfinite(value)
        or (value <= minimum if above else value < minimum)
        or value > maximum
    ):
        raise ConfigError(
            f"{name} must be {kind} {bound} and at most {maximum:g} (default {default:g}), "
            f"not '{raw}'; fix or unset {name}"
        )
    return value


def _eutils_url() -> str:
    """ACUTRACK_EUTILS_URL checked here, so a malformed one is a bad setting (exit 2) in
    every command, never a ValueError from urllib at the first request."""
    from urllib.parse import urlsplit  # lazily: read commands never need it

    base = os.environ.get("ACUTRACK_EUTILS_URL") or DEFAULT_EUTILS_URL
    problem = f"ACUTRACK_EUTILS_URL must be an http(s) URL such as {DEFAULT_EUTILS_URL}"
    try:
        parts = urlsplit(base)
        parts.port  # noqa: B018 - parsing it raises ValueError for a bad port
    except ValueError as exc:
        raise ConfigError(f"{problem}; it is malformed ({exc}): fix or unset it") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or not base.isprintable():
        raise ConfigError(f"{problem}, with a host; fix or unset it")
    # Caught here, not at the first request: urllib refuses a space with InvalidURL (which
    # the client would retry for a minute) and an empty label with a bare UnicodeError.
    if any(char.isspace() for char in base):
        raise ConfigError(f"{problem}; it has a space in it: fix or unset it")
    if parts.username is not None:
        raise ConfigError(
            f"{problem}; a user name or password in it is not allowed: fix or unset it"
        )
    if not _valid_host(parts.hostname, bracketed=parts.netloc.startswith("[")):
        raise ConfigError(
            f"{problem}; its host '{parts.hostname}' is neither an IP address nor a host name "
            "(labels of letters, digits and '-' joined by single dots): fix or unset it"
        )
    return base if base.endswith("/") else base + "/"


_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


def _valid_host(host: str, *, bracketed: bool) -> bool:
    """An IP address, or a DNS name whose labels urllib and the resolver accept
    (internationalised names through IDNA, as urllib sends them)."""
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        if bracketed:
            return False  # [...] holds an IPv6 address or nothing
    name = host[:-1] if host.endswith(".") else host  # a fully qualified name's root dot
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return False  # an empty label ("a..b") or one over 63 characters
    return len(ascii_name) <= 253 and all(_LABEL.fullmatch(x) for x in ascii_name.split("."))


@dataclass(frozen=True)
class NCBISettings:
    """Where and as whom to ask NCBI, and how patiently. ``api_key`` is kept out of repr.

    ``timeout``: seconds one request may take; ``retries``: tries per request (at least 1);
    ``retry_delay``: seconds before the second try, doubled for each further one.
    """

    base_url: str = DEFAULT_EUTILS_URL
    email: str | None = None
    api_key: str | None = field(default=None, repr=False)
    # Per request: seconds before giving up on an answer, tries, first pause between tries
    # (doubled each time). ACUTRACK_TIMEOUT, ACUTRACK_RETRIES, ACUTRACK_RETRY_DELAY.
    timeout: float = 60.0
    retries: int = 5
    retry_delay: float = 2.0

    @classmethod
    def from_env(cls) -> NCBISettings:
        base = _eutils_url()
        return cls(
            base_url=base,
            email=os.environ.get("NCBI_EMAIL") or None,
            api_key=os.environ.get("NCBI_API_KEY") or None,
            timeout=_number(
                "ACUTRACK_TIMEOUT",
                cls.timeout,
                minimum=0,
                above=True,
                maximum=MAX_TIMEOUT,
                integer=False,
            ),
            retries=int(
                _number(
                    "ACUTRACK_RETRIES",
                    cls.retries,
                    minimum=1,
                    above=False,
                    maximum=MAX_RETRIES,
                    integer=True,
                )
            ),
            retry_delay=_number(
                "ACUTRACK_RETRY_DELAY",
                cls.retry_delay,
                minimum=0,
                above=False,
                maximum=MAX_RETRY_DELAY,
                integer=False,
            ),
        )
