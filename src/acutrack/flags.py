"""The evidence flag registry: the one place a flag is defined.

Every table that names flags is derived from ``REGISTRY``: the order ``compute_flags`` reports
them in (``FLAGS``), the terminal badges and their rich styles (render), the badge order and
the ``--type`` words (export), the digest's names, subject counts and HTML colours (digest), the
summary line of ``update`` (sync) and the per-year counts (store). Adding a flag means adding
one ``Flag`` here and the rule that raises it in ``evidence``.

Kept apart from the evidence package so listing articles does not compile its rules at
start-up: standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Flag:
    name: str  # stored in the database and the JSON ``flags`` list
    badge: str  # short badge in tables ("RCT")
    title: str  # full name in digests ("Meta-analysis")
    # The flag's one colour, told twice: the terminal badge's rich style (a named colour, as
    # 16-colour terminals draw it well) and the HTML badge's background are the same hue, or
    # grey with no colour in the style (tests/test_tables.py checks they agree).
    style: str  # rich style of the terminal badge
    colour: str  # background of the HTML badge (report, digests)
    badge_order: int  # position among an article's badges (a retraction first)
    rank: int | None = None  # order of the counts in digest subjects and update summaries
    # (articles are ranked by their tier, ``TIERS``, not by this); None: not counted there
    aliases: tuple[str, ...] = ()  # more words `--type` accepts (the name and badge always do)
    nouns: tuple[str, str] | None = None  # "1 RCT", "2 RCTs" in digest subjects and summaries
    year_column: str | None = None  # per-year count column of `stats` (store.year_counts)
    synthesis: bool = False  # a review of studies: counted together as "MA/SR" in stats


REGISTRY: tuple[Flag, ...] = (
    Flag(
        "rct",
        "RCT",
        "RCT",
        "bold black on green",
        "#1b6e3a",
        badge_order=1,
        rank=0,
        aliases=("trial", "randomized", "randomised"),
        nouns=("RCT", "RCTs"),
        year_column="rct",
    ),
    Flag(
        "meta-analysis",
        "MA",
        "Meta-analysis",
        "bold white on blue",
        "#1a4f8b",
        badge_order=3,
        rank=1,
        aliases=("meta", "metaanalysis", "meta analysis"),
        nouns=("meta-analysis", "meta-analyses"),
        year_column="meta_analysis",
        synthesis=True,
    ),
    Flag(
        "systematic-review",
        "SR",
        "Systematic review",
        "bold white on blue",
        "#1a4f8b",
        badge_order=4,
        rank=2,
        aliases=("review", "systematic review"),
        nouns=("systematic review", "systematic reviews"),
        year_column="systematic_review",
        synthesis=True,
    ),
    Flag(
        "protocol",
        "protocol",
        "Protocol",
        "black on yellow",
        "#8a6d00",
        badge_order=5,
        aliases=("protocols",),
    ),
    Flag(
        "sham-controlled",
        "sham",
        "Sham-controlled",
        "black on cyan",
        "#00707a",
        badge_order=6,
        aliases=("sham-control",),
    ),
    Flag(
        "retracted",
        "RETRACTED",
        "RETRACTED",
        "bold white on red",
        "#b00020",
        badge_order=0,
        aliases=("retraction",),
    ),
    # An expression of concern about the article: shown like a retraction (a loud badge, first
    # among the badges after RETRACTED) but the article is not withdrawn: it keeps its design
    # flags and stays in the evidence counts, marked. Not in WITHDRAWN.
    Flag(
        "concern",
        "CONCERN",
        "Expression of concern",
        "bold black on bright_yellow",
        "#b35900",
        badge_order=0,
        aliases=("expression-of-concern", "expression of concern", "eoc"),
    ),
    Flag(
        "registered",
        "reg",
        "Registered",
        "dim",
        "#666666",
        badge_order=8,
        aliases=("registry",),
    ),
    Flag("pilot", "pilot", "Pilot", "italic", "#666666", badge_order=7),
    Flag(
        "possible-rct",
        "RCT?",
        "Possible RCT (blinded or placebo-controlled; randomization not stated)",
        "black on dark_sea_green2",
        "#6b8f71",
        badge_order=2,
        rank=3,
        aliases=("rct?", "maybe-rct", "controlled-trial", "cct"),
        nouns=("possible RCT", "possible RCTs"),
    ),
)

BY_NAME: dict[str, Flag] = {}
FLAGS: tuple[str, ...] = ()  # the order compute_flags reports flags in (and digests list them)
LABELS: dict[str, str] = {}
TITLES: dict[str, str] = {}
STYLES: dict[str, str] = {}
COLOURS: dict[str, str] = {}
BADGE_ORDER: tuple[str, ...] = ()
RANKED: tuple[str, ...] = ()  # flags counted in digest subjects and update summaries
NOUNS: dict[str, tuple[str, str]] = {}
SYNTHESES: tuple[str, ...] = ()
YEAR_COLUMNS: dict[str, str] = {}


def rebuild() -> None:
    """Derive the module's tables from ``REGISTRY`` (at import; tests call it again)."""
    global BY_NAME, FLAGS, LABELS, TITLES, STYLES, COLOURS, BADGE_ORDER, RANKED, NOUNS
    global SYNTHESES, YEAR_COLUMNS
    BY_NAME = {f.name: f for f in REGISTRY}
    FLAGS = tuple(f.name for f in REGISTRY)
    LABELS = {f.name: f.badge for f in REGISTRY}
    TITLES = {f.name: f.title for f in REGISTRY}
    STYLES = {f.name: f.style for f in REGISTRY}
    COLOURS = {f.name: f.colour for f in REGISTRY}
    BADGE_ORDER = tuple(f.name for f in sorted(REGISTRY, key=lambda f: f.badge_order))
    ranked = sorted((f for f in REGISTRY if f.rank is not None), key=lambda f: f.rank or 0)
    RANKED = tuple(f.name for f in ranked)
    NOUNS = {f.name: f.nouns for f in REGISTRY if f.nouns}
    SYNTHESES = tuple(f.name for f in REGISTRY if f.synthesis)
    YEAR_COLUMNS = {f.name: f.year_column for f in REGISTRY if f.year_column}


# --- comparators ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparator:
    """One class of control arm a trial is compared against (``evidence.comparators``)."""

    name: str  # stored in the ``comparators`` column and the JSON ``comparators`` list
    tag: str  # short words in tables and digests ("vs sham, usual care")
    title: str  # what it covers, for help texts and the Datasette column description


COMPARATORS: tuple[Comparator, ...] = (
    Comparator("placebo", "placebo", "placebo (an inert pill, injection, saline or vehicle)"),
    Comparator("sham", "sham", "sham procedure or device (sham acupuncture, placebo needles)"),
    Comparator(
        "no-treatment",
        "no treatment",
        "no treatment (no intervention, waiting list, delayed treatment)",
    ),
    Comparator("usual-care", "usual care", "usual, standard or routine care"),
    Comparator("active", "active", "another treatment, dose or regimen (head to head)"),
)
COMPARATOR_NAMES: tuple[str, ...] = tuple(c.name for c in COMPARATORS)
COMPARATOR_TAGS: dict[str, str] = {c.name: c.tag for c in COMPARATORS}


# --- the evidence hierarchy --------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """One class of the evidence hierarchy. Every article is in exactly one tier; ``TIERS`` is
    their order, strongest first, and the only place that order is written down."""

    key: str  # stored in articles.evidence_tier
    label: str  # short name in tables and chart legends ("MA/SR")
    title: str  # heading in the report and digests ("Meta-analyses and systematic reviews")
    colour: str  # HTML colour of the tier (report, digest)
    style: str  # rich style of the tier in the terminal
    nouns: tuple[str, str]  # "1 RCT", "2 RCTs"
    any_of: tuple[str, ...] = ()  # an article with any of these flags ...
    all_of: tuple[str, ...] = ()  # ... and all of these is in this tier (first match wins)
    evidence: bool = True  # counted and ranked as evidence; False: shown, never counted


# Flags that take an article out of the evidence tiers whatever else it carries, and the tier
# it goes to: a retracted article is shown apart (struck through), a protocol is a plan.
WITHDRAWN: dict[str, str] = {"retracted": "retracted", "protocol": "other"}

TIERS: tuple[Tier, ...] = (
    Tier(
        "ma-sr",
        "MA/SR",
        "Meta-analyses and systematic reviews",
        "#1a4f8b",
        "bold white on blue",
        ("meta-analysis or systematic review", "meta-analyses or systematic reviews"),
        any_of=("meta-analysis", "systematic-review"),
    ),
    Tier(
        "sham-rct",
        "Sham RCT",
        "Sham-controlled randomized trials",
        "#1b6e3a",
        "bold black on green",
        ("sham-controlled RCT", "sham-controlled RCTs"),
        any_of=("rct",),
        all_of=("sham-controlled",),
    ),
    Tier(
        "rct",
        "RCT",
        "Other randomized trials",
        "#4f9a62",
        "black on green",
        ("RCT", "RCTs"),
        any_of=("rct",),
    ),
    Tier(
        "possible-rct",
        "RCT?",
        "Possible randomized trials (blinded or placebo-controlled; randomization not stated)",
        "#6b8f71",
        "black on dark_sea_green2",
        ("possible RCT", "possible RCTs"),
        any_of=("possible-rct",),
    ),
    Tier("other", "Other", "Other articles", "#8b949e", "dim", ("other", "other"), evidence=False),
    Tier(
        "retracted",
        "Retracted",
        "Retracted articles",
        "#b00020",
        "bold white on red",
        ("retracted article", "retracted articles"),
        evidence=False,
    ),
)
TIER_BY_KEY: dict[str, Tier] = {t.key: t for t in TIERS}


def tier_of(flag_names: Iterable[str]) -> str:
    """The key of the tier an article with these flags belongs to."""
    names = set(flag_names)
    for flag, tier in WITHDRAWN.items():
        if flag in names:
            return tier
    for t in TIERS:
        if t.any_of and names.intersection(t.any_of) and names.issuperset(t.all_of):
            return t.key
    return "other"


def evidence_tiers() -> tuple[Tier, ...]:
    """The tiers counted and ranked as evidence, strongest first (read at call time, so a
    reordered ``TIERS`` is followed)."""
    return tuple(t for t in TIERS if t.evidence)


def tier_field(key: str) -> str:
    """The name a tier's count goes by in stored per-year counts and `stats` JSON/CSV:
    ``tier_ma_sr``."""
    return "tier_" + key.replace("-", "_")


def tier_rank(key: str) -> int:
    """The tier's position in ``TIERS`` (0 strongest): what sorts articles by evidence."""
    return next(i for i, t in enumerate(TIERS) if t.key == key)


def aliases() -> dict[str, str]:
    """Every flag word ``--type`` accepts (lower case) -> flag name."""
    words: dict[str, str] = {}
    for f in REGISTRY:
        for word in (f.name, f.badge, *f.aliases):
            words.setdefault(word.lower(), f.name)
    return words


# --- --type words ------------------------------------------------------------------------------
# `--type` selects by flag (its name, badge or alias: CONTRACT's "TYPE is one of the flag
# names") or by tier (its key or label, as `status` and the report name it). A selector is a
# flag name or TIER_PREFIX + a tier key. A word that is both names the flag (`rct`: every
# randomized trial, sham-controlled too; the tier "RCT" is the trials without a sham arm).
TIER_PREFIX = "tier:"
EVIDENCE_WORD = "evidence"  # every evidence tier (evidence_tiers()), strongest first


def type_words() -> dict[str, list[str]]:
    """Every word ``--type`` accepts (lower case) -> the selectors it stands for."""
    words: dict[str, list[str]] = {word: [name] for word, name in aliases().items()}
    for t in TIERS:
        # "tier:rct" always names the tier, also where its key is a flag word.
        for word in (TIER_PREFIX + t.key, t.key, t.label, t.label.replace(" ", "-")):
            words.setdefault(word.lower(), [TIER_PREFIX + t.key])
    words[EVIDENCE_WORD] = [TIER_PREFIX + t.key for t in evidence_tiers()]
    return words


def type_word(selector: str) -> str:
    """The word to type for a selector (a flag's badge, a tier's key, or "tier:KEY" where
    the key is a flag word): what a printed command uses, and what ``type_words`` reads
    back as the same selector."""
    if selector.startswith(TIER_PREFIX):
        key = selector[len(TIER_PREFIX) :]
        return key if type_words().get(key) == [selector] else selector
    flag = BY_NAME.get(selector)
    return flag.badge.lower() if flag else selector


def type_words_text(selectors: list[str]) -> str:
    """'evidence' when ``selectors`` are exactly the evidence tiers, else each one's word."""
    if selectors == type_words()[EVIDENCE_WORD]:
        return EVIDENCE_WORD
    return ",".join(type_word(s) for s in selectors)


rebuild()
