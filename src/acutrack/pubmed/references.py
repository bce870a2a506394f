"""Finding the references in a pasted text: plain text, Markdown or a saved HTML page.

A health blog's reference list comes in every style. Four are parsed in full:

- APA: ``Zhang, X., Liu, H., & Zhang, Q. (2021). Title. Journal, 41(3), 420-432.``
- Vancouver / NLM / AMA (what PubMed's "Cite" button gives):
  ``Liu S, Wang Z, Ma Q. Title. Nature. 2021 Oct;598(7882):641-645. doi: ... PMID: 34646018.``
- Nature: ``Ma, Q. Title. Med. Acupunct. 32, 362-366 (2020).``
- Harvard: ``Zhang, X. and Liu, H. (2021) 'Title', Journal, 41(3), pp. 420-432.``

An author-year head without a parsable journal part (``Smith, J. (2019). Title.``) still
gives a title to search for, and any line holding a PMID or a DOI is a reference too. A
line that only *mentions* a study ("a 2019 meta-analysis published in the Journal of X
found ...") is kept as a ``mention``: it names no authors, title, volume or pages, so there
is nothing to look up, and the report says so instead of pretending it was searched for.

Everything here is pure text work; no network, no database.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from typing import Any

# --- the reference ---------------------------------------------------------------------


@dataclass
class Reference:
    """One reference as printed, with the citation details that could be read from it."""

    text: str
    source: str
    kind: str  # "citation" (author/title/journal parsed), "identifier" (PMID/DOI only), "mention"
    authors: list[str] = field(default_factory=list)  # "Surname I" as PubMed writes them
    year: int | None = None
    title: str | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    pmid: str | None = None
    doi: str | None = None

    @property
    def first_page(self) -> str | None:
        return split_pages(self.pages)[0]

    def cited(self) -> dict[str, Any]:
        """The details read from the text, for the JSON report."""
        out = asdict(self)
        for key in ("text", "source"):
            out.pop(key)
        return out


# --- patterns ----------------------------------------------------------------------------

UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĖĘĚĜĞĠĢĤĦĨĪĮİĲĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
PARTICLE = r"(?:(?:van|von|de|del|della|der|den|da|di|du|la|le|dos|das|ten|ter|al|el|bin|mac)\s+)"
# A surname: capitalised, hyphens and apostrophes inside, up to three more capitalised words,
# particles between ("Du Pasquier", "del Rocio Thompson-Bonilla", "Nogueira de Andrade",
# "Kumar Chethrapilly Purushothaman", "el Alami el Faricha").
NAME = rf"{PARTICLE}*[{UPPER}][\w'’-]*\w(?:\s{PARTICLE}*[{UPPER}][\w'’-]*\w){{0,3}}"
APA_INITIALS = rf"[{UPPER}]\.(?:\s?-?\s?[{UPPER}]\.)*"
APA_AUTHOR = rf"{NAME},\s+{APA_INITIALS}"
APA_SEP = r"(?:,\s*(?:&\s*|and\s+)?|\s+(?:&|and)\s+)"
ET_AL = r"(?:,?\s+et\s+al\.?)"
APA_LIST = rf"{APA_AUTHOR}(?:{APA_SEP}{APA_AUTHOR})*(?:,?\s*(?:\.\.\.|…)\s*{APA_AUTHOR})?{ET_AL}?"
VAN_AUTHOR = rf"{NAME}\s+[{UPPER}]{{1,4}}(?:\s(?:Jr|Sr|II|III|IV|2nd|3rd))?\b"
VAN_LIST = rf"{VAN_AUTHOR}(?:,\s*{VAN_AUTHOR})*(?:,\s*et\s+al)?"
YEAR = r"(?:1[89]|20)\d\d"
DASH = "-‐‑‒–—−"
PAGES = rf"[A-Za-z]{{0,2}}\d+[A-Za-z]?(?:\s*[{DASH}]\s*[A-Za-z]{{0,2}}\d+[A-Za-z]?)?"
TITLE = r"(?P<title>\S.{2,400}?[.?!])"
# A journal's full title as APA and Harvard print it, up to the comma before the volume:
# commas inside it ("Joint, Bone, Spine", "Seminars in Ultrasound, CT, and MR") and NLM's
# place in parentheses ("Drugs (Abingdon, England)") are part of it.
APA_JOURNAL = rf"[{UPPER}](?:[^,()]|,(?!\s*(?:vol\.\s*)?\d)|\([^()]{{0,60}}\)){{1,250}}?"
# A volume as NLM writes it: "35", "83-A", "21 Suppl 4".
APA_VOLUME = r"\d+(?:-[A-Z])?(?:\s+Suppl(?:\s+\w{1,4})?)?"

APA_RE = re.compile(
    rf"(?P<authors>{APA_LIST})\s*\((?P<year>{YEAR})[a-z]?(?:,[^)]{{0,20}})?\)[.,]?\s+"
    rf"{TITLE}\s+(?P<journal>{APA_JOURNAL}),\s*(?P<volume>{APA_VOLUME})"
    rf"(?:\s*\((?P<issue>[^)]{{1,20}})\))?(?:,\s*(?:pp?\.\s*)?(?P<pages>{PAGES}))?"
)
NATURE_RE = re.compile(
    rf"(?P<authors>{APA_LIST})\s+{TITLE}\s+(?P<journal>[{UPPER}][^,;()]{{1,150}}?)\.?\s+"
    rf"(?P<volume>\d+)(?:\s*\((?P<issue>[^)]{{1,20}})\))?,\s*(?P<pages>{PAGES})\s*"
    rf"\((?P<year>{YEAR})\)"
)
VANCOUVER_RE = re.compile(
    rf"(?P<authors>{VAN_LIST})\.\s+{TITLE}\s+(?P<journal>[{UPPER}(][^.;]{{0,150}}?)\.?\s+"
    rf"(?P<year>{YEAR})(?:\s+[A-Z][a-z]{{2}}(?:\s+\d{{1,2}})?(?:\s*[{DASH}]\s*[A-Z][a-z]{{2}})?)?"
    rf"\s*;\s*(?P<volume>[^\s(:;.]{{1,12}}(?:\s+Suppl(?:\s+[^\s(:;.]{{1,4}})?)?)?"
    rf"(?:\s*\((?P<issue>[^)]{{1,20}})\))?"
    rf"(?::\s*(?P<pages>{PAGES}))?"
)
HARVARD_RE = re.compile(
    rf"(?P<authors>{APA_LIST})\s*\((?P<year>{YEAR})[a-z]?\)[.,]?\s+[‘'\"“]"
    rf"(?P<title>\S.{{2,400}}?)[’'\"”][.,]?\s+(?P<journal>{APA_JOURNAL}),\s*"
    rf"(?:vol\.\s*)?(?P<volume>{APA_VOLUME})(?:\s*\((?P<issue>[^)]{{1,20}})\))?"
    rf"(?:,\s*(?:pp?\.\s*)?(?P<pages>{PAGES}))?"
)
# An author-year head whose journal part is missing or unreadable: the title is still there.
APA_HEAD_RE = re.compile(
    rf"(?P<authors>{APA_LIST})\s*\((?P<year>{YEAR})[a-z]?(?:,[^)]{{0,20}})?\)[.,]?\s+{TITLE}"
    rf"(?:\s+(?P<journal>[{UPPER}][^.,;()\d]{{1,150}}?)(?=[.,;]|$))?"
)
# Full styles first: on a tie at the same position the earlier one wins.
STYLES = (
    ("apa", APA_RE),
    ("apa", HARVARD_RE),
    ("vancouver", VANCOUVER_RE),
    ("nature", NATURE_RE),
    ("apa", APA_HEAD_RE),
)

# What a line must hold somewhere for a style to be worth trying on it.
NEEDS = {
    NATURE_RE: re.compile(rf",\s*{PAGES}\s*\({YEAR}\)"),
    HARVARD_RE: re.compile(rf"\({YEAR}[a-z]?\)[.,]?\s+[‘'\"“]"),
}

PMID_RES = (
    re.compile(r"\bPMID\s*:?\s*(\d{1,9})\b", re.I),
    re.compile(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d{1,9})\b", re.I),
    re.compile(r"ncbi\.nlm\.nih\.gov/pubmed/(\d{1,9})\b", re.I),
)
DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)")
ID_START_RE = re.compile(r"(?:https?://|www\.|doi\b|pmid\b|pmcid\b)", re.I)
ID_LINK_RE = re.compile(r"doi\.org/|pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/", re.I)

# A study described in prose: "published in the Journal of X in 2018", "a 2019 meta-analysis".
STUDY = r"(?i:stud(?:y|ies)|trials?|meta-analys[ie]s|(?:systematic\s+)?reviews?|analys[ie]s|survey)"
JOURNAL_WORDS = rf"[{UPPER}][\w&'-]*(?:\s+(?:(?:of|and|the|in|for|&)\s+)*[{UPPER}][\w&'-]*)*"
# Only the journal's capitals are case-sensitive: "in blog posts" names no journal.
MENTION_IN_RE = re.compile(
    rf"\b{STUDY}\b[^.;:]{{0,60}}?\b(?i:(?:published|appeared|reported)\s+)?(?i:in)\s+"
    rf"(?i:the\s+)?(?P<journal>{JOURNAL_WORDS})(?:\s+in\s+(?P<year>{YEAR}))?"
)
MENTION_YEAR_RE = re.compile(
    rf"\b(?i:an?|in|the)\s+(?P<year>{YEAR})\s+(?:[\w-]+\s+){{0,3}}?{STUDY}\b"
)

# --- text clean-up -------------------------------------------------------------------------

CONTROL_RE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff"
    r"\u061c\u202a-\u202e\u2066-\u2069]"  # bidirectional controls, as in article.clean
)
SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
LIST_MARKER_RE = re.compile(r"^\s*(?:[-*+•·▪‣◦]\s+|\d{1,3}[.)]\s+|\[\d{1,3}\]\s*|\(\d{1,3}\)\s+)")
MD_LINK_RE = re.compile(r"\[([^\]]*)\]\((\S+?)(?:\s+\"[^\"]*\")?\)")
MD_AUTOLINK_RE = re.compile(r"<(https?://[^>\s]+)>")
MD_EMPHASIS_RE = re.compile(r"\*{1,3}|(?<![\w/])_{1,3}|_{1,3}(?![\w/])|`+")


def _line_clean(line: str) -> str:
    line = CONTROL_RE.sub("", line)
    return SPACES_RE.sub(" ", line).strip()


def _markdown_line(line: str) -> str:
    line = re.sub(r"^\s{0,3}(?:#{1,6}\s+|>\s?)", "", line)

    def link(m: re.Match[str]) -> str:
        text, url = m.group(1), m.group(2)
        if ID_LINK_RE.search(url) and url not in text:
            return f"{text} {url}"
        return text

    line = MD_LINK_RE.sub(link, line)
    line = MD_AUTOLINK_RE.sub(r"\1", line)
    return MD_EMPHASIS_RE.sub("", line)


def strip_marker(line: str) -> str:
    return LIST_MARKER_RE.sub("", line, count=1)


# --- HTML ------------------------------------------------------------------------------------

BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
    "figcaption", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "title", "tr", "ul",
}  # fmt: skip
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "iframe", "object", "canvas"}


class _HTMLText(HTMLParser):
    """Visible text of a page, one line per block element.

    The target of a PubMed or DOI link whose text does not show it ("[PubMed]", a linked
    title) is added at the end of the line, where it cannot split a title.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []
        self.targets: list[str] = []

    def _break(self) -> None:
        if self.targets:
            self.parts.append(" " + " ".join(self.targets))
            self.targets = []
        self.parts.append("\n")

    def close(self) -> None:
        super().close()
        self._break()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_TAGS:
            self.skip += 1
        elif tag in BLOCK_TAGS:
            self._break()
            self.pre += tag == "pre"
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCK_TAGS:
            self._break()
            self.pre = max(0, self.pre - (tag == "pre"))
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(self.parts[start:])
            if ID_LINK_RE.search(href) and href not in shown and href not in self.targets:
                self.targets.append(href)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_lines(text: str) -> list[str]:
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts).split("\n")


def looks_like_html(text: str, name: str = "") -> bool:
    if name.lower().endswith((".html", ".htm", ".xhtml", ".shtml")):
        return True
    head = text.lstrip("\ufeff \t\r\n")[:2000].lower()
    if re.match(r"<(?:!doctype\s+html|html|head|body)\b", head):
        return True
    return head.startswith("<") and bool(re.search(r"</(?:p|li|div)>", text[:20000], re.I))


# --- lines -------------------------------------------------------------------------------------


MAX_JOINED = 5000


def logical_lines(text: str, name: str = "") -> list[str]:
    """The text as lines; a hard-wrapped reference in plain text is joined back together."""
    if looks_like_html(text, name):
        return [line for line in (_line_clean(x) for x in html_to_lines(text)) if line]
    # Each logical line is kept as its pieces and joined once at the end: adding to a
    # growing string for every wrapped line would copy it again each time (quadratic).
    # A logical line never grows past MAX_JOINED characters (no reference is that long): a
    # list of references without final periods would otherwise become one line the size of
    # the file, and searching it for citations costs more than linear time.
    out: list[list[str]] = []
    length = 0
    previous_blank = True
    for raw in text.splitlines():
        line = _line_clean(html.unescape(_markdown_line(raw)))
        if not line:
            previous_blank = True
            continue
        if (
            out
            and not previous_blank
            and length + len(line) < MAX_JOINED
            and not LIST_MARKER_RE.match(raw)
            and not ID_START_RE.match(line)
            and (line[0].islower() or out[-1][-1][-1] not in ".!?:;)]>")
        ):
            out[-1].append(line)
            length += len(line) + 1
        else:
            out.append([line])
            length = len(line)
        previous_blank = False
    return [" ".join(pieces) for pieces in out]


# --- parsing -----------------------------------------------------------------------------------


def normalize_dashes(text: str) -> str:
    return re.sub(rf"\s*[{DASH}]\s*", "-", text)


def split_pages(pages: str | None) -> tuple[str | None, str | None]:
    """First and last page, with MEDLINE's shortened last page written out ("641-5" -> 645)."""
    if not pages:
        return None, None
    # "919-23; discussion 923-4": the article's own pages come first.
    text = re.split(r"[,;]", normalize_dashes(pages.strip()))[0].strip()
    first, _, last = text.partition("-")
    first, last = first.strip(), last.strip()
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first or None, last or None


def _authors(text: str, style: str) -> list[str]:
    """Surname plus initials, PubMed's way: 'Pan, W. X.' -> 'Pan WX'."""
    out = []
    if style == "vancouver":
        for m in re.finditer(rf"({NAME})\s+([{UPPER}]{{1,4}})\b", text):
            out.append(f"{m.group(1)} {m.group(2)}")
    else:
        for m in re.finditer(rf"({NAME}),\s+({APA_INITIALS})", text):
            initials = re.sub(rf"[^{UPPER}]", "", m.group(2))
            out.append(f"{m.group(1)} {initials}")
    return out


def _identifiers(text: str) -> tuple[str | None, str | None]:
    pmid = None
    for rx in PMID_RES:
        m = rx.search(text)
        if m:
            pmid = str(int(m.group(1)))
            break
    doi = None
    m = DOI_RE.search(text)
    if m:
        doi = m.group(1)
        # Sentence punctuation after a DOI is not part of it; a closing bracket is only when
        # the DOI opened one itself (10.1016/S0140-6736(20)30183-5).
        while doi and (doi[-1] in ".,;:" or (doi[-1] in ")]" and doi.count("(") < doi.count(")"))):
            doi = doi[:-1]
    return pmid, doi


def _strip_title(title: str) -> str:
    title = title.strip().strip("\"'“”‘’«»").strip()
    if title.endswith(".") and not title.endswith("..."):
        title = title[:-1]
    return title.strip().strip("\"'“”‘’«»").strip()


# A sentence of a title or a journal name: it ends at ". ", "? " or "! ".
PIECE_END_RE = re.compile(r"(?<=[.?!])\s+")


def _title_like(piece: str) -> bool:
    """A sentence that belongs to a title: an ordinary lower-case word, or a question."""
    return piece.rstrip().endswith(("?", "!")) or bool(re.search(r"(?:^|\s)[a-z]{4,}", piece))


def _abbreviation_piece(piece: str) -> bool:
    """A dotted piece of an ISO journal abbreviation: "Orthop.", "North Am.", "J."."""
    words = piece.split()
    return (
        piece.endswith(".")
        and 0 < len(words) <= 3
        and all(w[0].isupper() and re.sub(r"[.'-]", "", w).isalpha() for w in words)
        and not _title_like(piece)
    )


def _rebalance(
    title: str | None, journal: str | None, dotless: bool = False
) -> tuple[str | None, str | None]:
    """Where the title ends and the journal starts, when a lazy match chose wrongly.

    "Acupuncture for lupus. A systematic review. J Clin Med" may be read as title
    "Acupuncture for lupus." and journal "A systematic review. J Clin Med": sentences
    of the journal part that read as title (``_title_like``) go back to the title. And a
    journal abbreviated with NLM's dots, "Title. Orthop. Clin. North Am. 2004;...", is read
    as title "Title. Orthop. Clin." and journal "North Am" by a style whose journal holds no
    dot (``dotless``: Vancouver): the dotted abbreviation pieces at the end of the title
    (``_abbreviation_piece``) join the journal, the title keeping at least one sentence.
    """
    if not journal:
        return title, journal
    parts = PIECE_END_RE.split(journal)
    moved = 0
    # A translated title is in square brackets: it goes on to its "]".
    open_bracket = (title or "").count("[") > (title or "").count("]")
    for part in parts[:-1]:
        if open_bracket:
            open_bracket = "]" not in part
        elif not _title_like(part) or part.lower().rstrip(".") in STOP_WORDS:
            break
        moved += 1
    if moved:
        extra = " ".join(parts[:moved])
        title = f"{title} {extra}" if title else extra
        journal = " ".join(parts[moved:])
    if dotless and title and len(journal.split()) <= 3 and not _title_like(journal):
        pieces = PIECE_END_RE.split(title.strip())
        taken = 0
        while taken < len(pieces) - 1 and _abbreviation_piece(pieces[-1 - taken]):
            taken += 1
        if taken:
            journal = " ".join([*pieces[len(pieces) - taken :], journal])
            title = " ".join(pieces[: len(pieces) - taken])
    return title, journal


def _citation(match: re.Match[str], style: str, text: str, source: str) -> Reference:
    g = match.groupdict()
    pmid, doi = _identifiers(text)
    title, journal = _rebalance(
        g.get("title"), (g.get("journal") or "").strip() or None, dotless=style == "vancouver"
    )
    journal = (journal or "").strip().rstrip(".").strip() or None
    pages = normalize_dashes(g["pages"]) if g.get("pages") else None
    return Reference(
        text=text,
        source=source,
        kind="citation",
        authors=_authors(g["authors"], style),
        year=int(g["year"]) if g.get("year") else None,
        title=_strip_title(title) if title else None,
        journal=journal,
        volume=(g.get("volume") or "").strip() or None,
        issue=(g.get("issue") or "").strip() or None,
        pages=pages,
        pmid=pmid,
        doi=doi,
    )


def _find_citations(line: str) -> list[tuple[str, re.Match[str]]]:
    found: list[tuple[str, re.Match[str]]] = []
    pos = 0
    # Each style's next match is remembered and searched again only once the scan has
    # passed its start: a long line with many citations is read once per style, not once
    # per style and citation.
    # A style whose fixed part is nowhere in the line is not tried: Nature's search over an
    # APA line tries every title and journal length from every author (36 ms a line).
    ahead: list[re.Match[str] | None] = [
        rx.search(line) if rx not in NEEDS or NEEDS[rx].search(line) else None
        for _style, rx in STYLES
    ]
    while pos < len(line):
        best: tuple[str, re.Match[str]] | None = None
        for i, (style, rx) in enumerate(STYLES):
            m = ahead[i]
            if m is not None and m.start() < pos:
                m = ahead[i] = rx.search(line, pos)
            if m and (best is None or m.start() < best[1].start()):
                best = (style, m)
        if best is None:
            break
        found.append(best)
        pos = best[1].end()
    return found


def _mention(line: str, source: str) -> Reference | None:
    m = MENTION_IN_RE.search(line)
    journal = year = None
    if m:
        journal = m.group("journal")
        year = m.group("year")
    y = MENTION_YEAR_RE.search(line)
    if not m and not y:
        return None
    if not year:
        year = y.group("year") if y else None
        if not year:
            later = re.search(rf"\bin\s+({YEAR})\b", line)
            year = later.group(1) if later else None
    return Reference(
        text=strip_marker(line),
        source=source,
        kind="mention",
        journal=journal,
        year=int(year) if year else None,
    )


def extract(text: str, source: str, name: str = "") -> list[Reference]:
    """Every reference in a text, in the order they appear."""
    refs: list[Reference] = []
    last_line_citation: Reference | None = None
    for line in logical_lines(text, name or source):
        item = bool(LIST_MARKER_RE.match(line))
        line = strip_marker(line)
        matches = _find_citations(line)
        if matches:
            for i, (style, m) in enumerate(matches):
                end = matches[i + 1][1].start() if i + 1 < len(matches) else len(line)
                refs.append(_citation(m, style, line[m.start() : end].strip(), source))
            last_line_citation = refs[-1]
            continue
        pmid, doi = _identifiers(line)
        if pmid or doi:
            # A PMID or DOI alone on the line after a citation belongs to that citation
            # (PubMed's own "copy citation" puts it there), unless it is a list item itself.
            prev = last_line_citation
            if (
                prev is not None
                and not item
                and len(line) < 120
                and not (pmid and prev.pmid)
                and not (doi and prev.doi)
            ):
                prev.text += " " + line
                prev.pmid = prev.pmid or pmid
                prev.doi = prev.doi or doi
            else:
                refs.append(
                    Reference(text=line, source=source, kind="identifier", pmid=pmid, doi=doi)
                )
            last_line_citation = None
            continue
        last_line_citation = None
        mention = _mention(line, source)
        if mention is not None:
            refs.append(mention)
    return refs


# --- comparing citation details ------------------------------------------------------------------

STOP_WORDS = {
    "a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "into", "is", "its", "of",
    "on", "or", "the", "to", "with", "via", "vs", "versus", "than", "that", "this", "their",
}  # fmt: skip


def fold(text: str) -> str:
    """Lower case, accents off, every run of non-alphanumerics one space."""
    text = re.sub(r"<[^>]{1,20}>", " ", text)  # <i>, <sup> in PubMed titles
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def title_words(title: str, limit: int = 8) -> list[str]:
    """Distinctive title words for an esearch, longest first, in their title order."""
    words = []
    for w in re.split(r"[^\w-]+", normalize_dashes(title)):
        w = w.strip("-_")
        folded = fold(w).replace(" ", "-")
        if len(folded) < 3 or folded in STOP_WORDS or folded.isdigit():
            continue
        if folded not in words:
            words.append(folded)
    keep = set(sorted(words, key=len, reverse=True)[:limit])
    return [w for w in words if w in keep]
