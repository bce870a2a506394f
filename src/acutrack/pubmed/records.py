"""PubMed XML and MEDLINE text to article dicts.

Both formats end up as the same plain dict (see ``ARTICLE_FIELDS``), so the store, the
evidence flags and every renderer see one shape whatever the source was.

XML is parsed as a stream (ElementTree's C parser fed in chunks, see ``_Stream``): each
``PubmedArticle`` is turned into a dict and then dropped from the tree, so memory stays
flat however large the file is. ``Bio.Entrez.read`` is not used here: it validates against
DTDs (old MEDLINE baseline DTDs are not shipped with Biopython) and builds the whole
document in memory.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from ..article import ARTICLE_FIELDS, LIST_FIELDS, PARSER_VERSION, Article
from ..errors import WorkError

# re-exported: the shape every parser returns, and the version of this parser (defined beside
# the shape in acutrack.article, so the store can stamp rows without importing the parser)
__all__ = ["ARTICLE_FIELDS", "PARSER_VERSION", "Article"]


ARTICLE_TAGS = {"PubmedArticle", "PubmedBookArticle"}
ROOT_TAGS = {"PubmedArticleSet", "MedlineCitationSet", "PubmedBookArticleSet"}

MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
PMID_RE = re.compile(r"PMID:\s*(\d+)")
# Trial registries that NLM records as DataBank / SI entries.
TRIAL_DATABANKS = (
    "ClinicalTrials.gov",
    "ISRCTN",
    "ChiCTR",
    "ANZCTR",
    "CTRI",
    "DRKS",
    "EudraCT",
    "JPRN",
    "IRCT",
    "NTR",
    "PACTR",
    "ReBec",
    "RPCEC",
    "SLCTR",
    "TCTR",
    "UMIN",
    "CRiS",
    "LBCTR",
    "ITMCTR",
)


class NotPubMedData(WorkError, ValueError):
    """The input is not PubMed XML or MEDLINE text."""


class NCBIErrorResponse(WorkError, ValueError):
    """NCBI answered with an <ERROR> element instead of records."""


def empty_article(pmid: str) -> Article:
    # Built from the Article keys (they also drive the schema), so mypy cannot check the
    # literal: every key starts as None, the list keys as [], and the str keys are set below.
    article: Article = {key: None for key in ARTICLE_FIELDS}  # type: ignore[assignment]
    for key in LIST_FIELDS:
        article[key] = []  # type: ignore[literal-required]
    article["pmid"] = pmid
    article["title"] = ""
    article["abstract"] = ""
    return article


# --- XML -------------------------------------------------------------------------------


MATHML = "{http://www.w3.org/1998/Math/MathML}"
# An accent over a letter (V with a dot over it: V-dot, oxygen uptake) as a combining mark.
ACCENTS = {".": "\u0307", "\u02d9": "\u0307", "\u00b7": "\u0307", "^": "\u0302", "~": "\u0303"}


def _math_text(elem: Element) -> str:
    """The text of a MathML formula as it reads: NCBI indents MathML, and that layout
    whitespace is not text (it made "β 2-agonist" and "V . O 2 max"); prescripts come before
    their base (3He), a dot over a letter is a combining dot, <mtext> keeps its spaces."""
    name = elem.tag.removeprefix(MATHML)
    kids = list(elem)
    if name in ("none", "mprescripts", "annotation", "annotation-xml"):
        return ""
    if name == "mtext":
        return "".join(elem.itertext())
    if name == "mmultiscripts" and kids:
        split = next(
            (i for i, k in enumerate(kids) if k.tag.removeprefix(MATHML) == "mprescripts"),
            len(kids),
        )
        order = kids[split + 1 :] + kids[:1] + kids[1:split]
        return "".join(_math_text(k) for k in order)
    if name == "mover" and len(kids) == 2:
        accent = _math_text(kids[1]).strip()
        if accent in ACCENTS:
            return _math_text(kids[0]) + ACCENTS[accent]
    if name == "semantics" and kids:
        return _math_text(kids[0])  # the presentation; annotations repeat it
    return (elem.text or "").strip() + "".join(_math_text(k) + (k.tail or "").strip() for k in kids)


def _pieces(elem: Element, out: list[str]) -> None:
    """The text of ``elem`` and everything inside it, in document order."""
    if elem.tag.startswith(MATHML):
        out.append(_math_text(elem))
        return
    if elem.text:
        out.append(elem.text)
    for child in elem:
        _pieces(child, out)
        if child.tail:
            out.append(child.tail)


def _text(elem: Element | None) -> str:
    """All text inside an element, inline markup (<i>, <sup>, <b>) kept as its text, and
    MathML as the formula reads (see ``_math_text``)."""
    if elem is None:
        return ""
    if not len(elem):  # no inline markup: the common case, without the walk below
        return " ".join((elem.text or "").split())
    out: list[str] = []
    _pieces(elem, out)
    return " ".join("".join(out).split())


# Element.find/findall/findtext take a fast path in C for a bare tag; a path with "/" goes
# through the pure-Python ElementPath. Records are read with bare tags, one step at a time.


def _all(elem: Element | None, *steps: str) -> list[Element]:
    """Every element at the path ``steps`` below ``elem`` (each step a bare tag)."""
    for step in steps[:-1]:
        if elem is None:
            return []
        elem = elem.find(step)
    return elem.findall(steps[-1]) if elem is not None else []


def _at(elem: Element | None, *steps: str) -> Element | None:
    for step in steps:
        if elem is None:
            return None
        elem = elem.find(step)
    return elem


def _textat(elem: Element | None, *steps: str) -> str | None:
    """Like findtext: None when the element is missing, "" when it is empty."""
    elem = _at(elem, *steps)
    return None if elem is None else (elem.text or "")


def _date(elem: Element | None) -> str | None:
    """A <Year><Month><Day> element as an ISO date (as precise as it is)."""
    if elem is None:
        return None
    year = elem.findtext("Year")
    if not year:
        medline = elem.findtext("MedlineDate")
        return medline.strip() if medline else None
    month = (elem.findtext("Month") or "").strip()
    if month and not month.isdigit():
        month = str(MONTHS.get(month[:3].lower(), ""))
    day = (elem.findtext("Day") or "").strip()
    parts = [year.strip()]
    if month:
        parts.append(f"{int(month):02d}")
        if day.isdigit():
            parts.append(f"{int(day):02d}")
    return "-".join(parts)


def _pub_date_text(elem: Element | None) -> str | None:
    if elem is None:
        return None
    medline = elem.findtext("MedlineDate")
    if medline:
        return medline.strip()
    bits = [elem.findtext(t) for t in ("Year", "Season", "Month", "Day")]
    return " ".join(b.strip() for b in bits if b) or None


def _year(*candidates: str | None) -> int | None:
    for text in candidates:
        if text:
            m = YEAR_RE.search(text)
            if m:
                return int(m.group(1))
    return None


def _author_names(author_list: Element | None) -> tuple[list[str], list[str]]:
    short: list[str] = []
    full: list[str] = []
    if author_list is None:
        return short, full
    for author in author_list.findall("Author"):
        if author.get("ValidYN") == "N":
            continue
        collective = author.findtext("CollectiveName")
        if collective:
            name = " ".join(collective.split())
            short.append(name)
            full.append(name)
            continue
        last = (author.findtext("LastName") or "").strip()
        fore = (author.findtext("ForeName") or "").strip()
        initials = (author.findtext("Initials") or "").strip()
        if not last:
            continue
        suffix = (author.findtext("Suffix") or "").strip()
        # PubMed's own short form: "O'Brien WT Sr".
        short.append(" ".join(p for p in (last, initials, suffix) if p))
        full.append(f"{last}, {fore}" if fore else last)
    return short, full


def _abstract(parent: Element | None) -> tuple[str, list[dict[str, str]]]:
    if parent is None:
        return "", []
    sections = []
    for part in _all(parent, "Abstract", "AbstractText"):
        text = _text(part)
        if not text:
            continue
        sections.append(
            {
                "label": part.get("Label") or "",
                "category": part.get("NlmCategory") or "",
                "text": text,
            }
        )
    copyright_ = _textat(parent, "Abstract", "CopyrightInformation")
    abstract = "\n\n".join(
        f"{s['label']}: {s['text']}" if s["label"] else s["text"] for s in sections
    )
    if copyright_ and abstract:
        abstract += "\n\n" + " ".join(copyright_.split())
    return abstract, sections


def _citation(citation: Element, pubmed_data: Element | None, article: Article) -> None:
    """Fill ``article`` from a MedlineCitation (and its PubmedData sibling, if any)."""
    art = citation.find("Article")
    journal = art.find("Journal") if art is not None else None
    article["status"] = citation.get("Status")
    if art is not None:
        article["title"] = _text(art.find("ArticleTitle")) or _text(art.find("VernacularTitle"))
        article["abstract"], article["abstract_sections"] = _abstract(art)
        article["authors"], article["authors_full"] = _author_names(art.find("AuthorList"))
        pagination = art.find("Pagination")
        article["pages"] = _textat(pagination, "MedlinePgn") or None
        if not article["pages"]:
            start = _textat(pagination, "StartPage")
            end = _textat(pagination, "EndPage")
            article["pages"] = "-".join(p for p in (start, end) if p) or None
        article["language"] = [x.text for x in art.findall("Language") if x.text]
        article["publication_types"] = [
            _text(x) for x in _all(art, "PublicationTypeList", "PublicationType")
        ]
        for eloc in art.findall("ELocationID"):
            if eloc.get("EIdType") == "doi" and eloc.get("ValidYN") != "N" and eloc.text:
                article["doi"] = article["doi"] or eloc.text.strip()
        for bank in _all(art, "DataBankList", "DataBank"):
            name = (bank.findtext("DataBankName") or "").strip()
            for acc in _all(bank, "AccessionNumberList", "AccessionNumber"):
                if acc.text and any(name.startswith(r) for r in TRIAL_DATABANKS):
                    article["registry_numbers"].append(f"{name}/{acc.text.strip()}")
        article_date = _date(art.find("ArticleDate"))
    else:
        article_date = None
    if journal is not None:
        article["journal"] = _text(journal.find("Title")) or None
        article["journal_abbrev"] = journal.findtext("ISOAbbreviation")
        article["issn"] = journal.findtext("ISSN")
        issue = journal.find("JournalIssue")
        article["volume"] = _textat(issue, "Volume")
        article["issue"] = _textat(issue, "Issue")
        pub_date = _at(issue, "PubDate")
        article["pub_date"] = _pub_date_text(pub_date)
        article["year"] = _year(
            pub_date.findtext("Year") if pub_date is not None else None,
            pub_date.findtext("MedlineDate") if pub_date is not None else None,
            article_date,
        )
    ta = _textat(citation, "MedlineJournalInfo", "MedlineTA")
    article["journal_abbrev"] = article["journal_abbrev"] or ta
    article["journal"] = article["journal"] or ta
    article["mesh"] = [
        _text(h.find("DescriptorName")) for h in _all(citation, "MeshHeadingList", "MeshHeading")
    ]
    keywords = (_text(k) for k in _all(citation, "KeywordList", "Keyword"))
    article["keywords"] = [k for k in keywords if k]
    article["revised_date"] = _date(citation.find("DateRevised"))
    for cc in _all(citation, "CommentsCorrectionsList", "CommentsCorrections"):
        ref_type = cc.get("RefType") or ""
        if ref_type == "Cites":
            continue  # reference lists are not corrections; they would swamp the record
        article["comments_corrections"].append(
            {
                "type": ref_type,
                "source": _text(cc.find("RefSource")),
                "pmid": (cc.findtext("PMID") or "").strip() or None,
            }
        )
    if not article["abstract"]:
        other = citation.find("OtherAbstract")
        if other is not None:
            article["abstract"], article["abstract_sections"] = _abstract(_wrap_abstract(other))
    if pubmed_data is not None:
        for aid in _all(pubmed_data, "ArticleIdList", "ArticleId"):
            kind, value = aid.get("IdType"), (aid.text or "").strip()
            if kind == "doi" and value and not article["doi"]:
                article["doi"] = value
            elif kind == "pmc" and value:
                article["pmcid"] = value
        for date in _all(pubmed_data, "History", "PubMedPubDate"):
            if date.get("PubStatus") in ("entrez", "pubmed") and not article["entrez_date"]:
                article["entrez_date"] = _date(date)
        if pubmed_data.findtext("PublicationStatus") == "retracted":
            pass  # the Retracted Publication type and RetractionIn notice carry this
    if not article["entrez_date"]:
        created = _date(citation.find("DateCreated")) or _date(citation.find("DateCompleted"))
        article["entrez_date"] = created


def _wrap_abstract(other: Element) -> Element:
    wrapper = Element("Wrapper")
    abstract = Element("Abstract")
    abstract.extend(list(other.iterfind("AbstractText")))
    wrapper.append(abstract)
    return wrapper


def _book(book_article: Element, article: Article) -> None:
    doc = book_article.find("BookDocument")
    if doc is None:
        return
    book = doc.find("Book")
    article["title"] = _text(doc.find("ArticleTitle")) or _text(
        book.find("BookTitle") if book is not None else None
    )
    article["abstract"], article["abstract_sections"] = _abstract(doc)
    article["authors"], article["authors_full"] = _author_names(doc.find("AuthorList"))
    if book is not None:
        article["journal"] = _text(book.find("BookTitle")) or None
        pub_date = book.find("PubDate")
        article["pub_date"] = _pub_date_text(pub_date)
        article["year"] = _year(pub_date.findtext("Year") if pub_date is not None else None)
    article["language"] = [x.text for x in doc.iterfind("Language") if x.text]
    article["publication_types"] = [_text(x) for x in doc.iterfind("PublicationType")] or [
        "Book Chapter"
    ]
    article["status"] = "PubMed-not-MEDLINE"
    data = book_article.find("PubmedBookData")
    if data is not None:
        for date in data.iterfind("History/PubMedPubDate"):
            if date.get("PubStatus") in ("entrez", "pubmed") and not article["entrez_date"]:
                article["entrez_date"] = _date(date)


def article_from_element(elem: Element) -> Article | None:
    """A PubmedArticle, PubmedBookArticle or bare MedlineCitation element as an article."""
    citation: Element | None
    pubmed_data: Element | None
    if elem.tag == "MedlineCitation":
        citation, pubmed_data = elem, None
    elif elem.tag == "PubmedArticle":
        citation, pubmed_data = elem.find("MedlineCitation"), elem.find("PubmedData")
    elif elem.tag == "PubmedBookArticle":
        pmid = (elem.findtext("BookDocument/PMID") or "").strip()
        if not pmid:
            return None
        article = empty_article(pmid)
        _book(elem, article)
        return article
    else:
        return None
    if citation is None:
        return None
    pmid = (citation.findtext("PMID") or "").strip()
    if not pmid:
        return None
    article = empty_article(pmid)
    _citation(citation, pubmed_data, article)
    return article


CONTAINER_TAGS = ROOT_TAGS | {"eFetchResult"}
XML_CHUNK = 1 << 16


class _Stream:
    """An expat parser building the tree in C, with no per-element events.

    ``xml.etree.ElementTree.iterparse`` hands every start and end event to Python, millions
    for a large file, which costs more than building the tree itself. Here one start event
    gives the root, then events are switched off; after each chunk the records that are
    complete (every child of a container but the last, which may still be growing) are
    taken out of the tree. Memory stays flat at about one chunk of records.
    """

    def __init__(self) -> None:
        from xml.etree.ElementTree import TreeBuilder, XMLParser

        self.parser = XMLParser(target=TreeBuilder())
        self.events: list[tuple[str, Element]] = []
        self.root: Element | None = None
        # XMLPullParser's own hook into the C parser; without it, start events are drained.
        self.switch = getattr(self.parser, "_setevents", None)
        if self.switch is not None:
            self.switch(self.events, ("start",))
        else:  # pragma: no cover - every CPython since 3.4 has it
            from xml.etree.ElementTree import XMLPullParser

            self.parser = XMLPullParser(events=("start",))  # type: ignore[assignment]

    def feed(self, data: bytes) -> None:
        try:
            self.parser.feed(data)
        finally:
            # Even when this chunk is broken, its root may show it is not PubMed data at all.
            self._find_root()

    def _find_root(self) -> None:
        if self.switch is None:  # pragma: no cover
            for _event, elem in self.parser.read_events():  # type: ignore[attr-defined]
                self.root = self.root if self.root is not None else elem
        elif self.root is None and self.events:
            self.root = self.events[0][1]
            self.switch(self.events, ())
            self.events.clear()

    def close(self) -> None:
        self.parser.close()


def _complete(parent: Element, final: bool) -> Iterator[Element]:
    """The finished record elements under ``parent``, each taken out of the tree."""
    children = list(parent)
    done = len(children) if final else len(children) - 1
    for child in children[:done]:
        if child.tag in CONTAINER_TAGS:  # a set nested in an envelope
            yield from _complete(child, True)
        else:
            yield child
    if done > 0:
        del parent[:done]
    if not final and children and children[-1].tag in CONTAINER_TAGS:
        yield from _complete(children[-1], False)


def _record(elem: Element) -> Article | None:
    tag = elem.tag
    if tag in ARTICLE_TAGS or tag == "MedlineCitation":
        return article_from_element(elem)
    if tag == "ERROR":
        raise NCBIErrorResponse(_text(elem) or "NCBI returned an empty ERROR element")
    return None  # DeleteCitation and the like


def iter_xml(source: IO[bytes], name: str = "input") -> Iterator[Article]:
    """Stream articles from PubMed XML (efetch output, website export or a MEDLINE baseline).

    Raises NotPubMedData when the document is something else and NCBIErrorResponse when it
    is NCBI's <ERROR> answer. A cut-off document raises ParseError after the complete
    articles before the cut were yielded: callers that must not keep partial batches
    collect first.
    """
    stream = _Stream()
    while True:
        data = source.read(XML_CHUNK)
        if not data:
            break
        try:
            stream.feed(data)
        finally:
            root = stream.root
            if root is not None and root.tag not in CONTAINER_TAGS:
                raise NotPubMedData(
                    f"{name} is not PubMed XML (its root element is <{root.tag}>)"
                ) from None
        if root is None:
            continue
        for elem in _complete(root, False):
            article = _record(elem)
            if article is not None:
                yield article
    stream.close()
    if stream.root is None:
        raise NotPubMedData(f"{name} is empty")
    for elem in _complete(stream.root, True):
        article = _record(elem)
        if article is not None:
            yield article


# --- MEDLINE text ------------------------------------------------------------------------

COMMENT_TAGS = {
    "CIN": "CommentIn",
    "CON": "CommentOn",
    "EIN": "ErratumIn",
    "EFR": "ErratumFor",
    "RIN": "RetractionIn",
    "ROF": "RetractionOf",
    "RPI": "RepublishedIn",
    "RPF": "RepublishedFrom",
    "UIN": "UpdateIn",
    "UOF": "UpdateOf",
    "CRI": "CorrectedandRepublishedIn",
    "CRF": "CorrectedandRepublishedFrom",
    "ECI": "ExpressionOfConcernIn",
    "ECF": "ExpressionOfConcernFor",
    "SPIN": "SummaryForPatientsIn",
    "ORI": "OriginalReportIn",
}
# Tags kept as lists; every other tag is joined into one string.
LIST_TAGS = {"AU", "FAU", "CN", "MH", "PT", "OT", "LA", "SI", "AID", "LID", "IS", *COMMENT_TAGS}
SECTION_RE = re.compile(r"(?:^|(?<=[.?!]\s))([A-Z][A-Z0-9 ,&/'()-]{2,60}):\s")


def _sections_from_text(abstract: str) -> list[dict[str, str]]:
    """Recover structured-abstract labels from MEDLINE text ('METHODS: ...')."""
    matches = list(SECTION_RE.finditer(abstract))
    if not matches or matches[0].start() != 0:
        return [{"label": "", "category": "", "text": abstract}] if abstract else []
    sections = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(abstract)
        sections.append(
            {"label": m.group(1), "category": "", "text": abstract[m.end() : end].strip()}
        )
    return sections


def _medline_date(value: str | None) -> str | None:
    if not value:
        return None
    m = re.match(r"(\d{4})/?(\d{2})?/?(\d{2})?", value.strip())
    if not m:
        return None
    return "-".join(p for p in m.groups() if p)


def _as_list(value: Any) -> list[str]:
    if not value:
        return []
    return list(value) if isinstance(value, list) else [value]


def _first(value: Any) -> str | None:
    items = _as_list(value)
    return items[0] if items else None


def article_from_medline(rec: dict[str, Any]) -> Article | None:
    """A record from ``Bio.Medline.parse`` as an article (any tag may repeat)."""
    rec = {k: (v if k in LIST_TAGS else " ".join(_as_list(v))) for k, v in rec.items()}
    pmid = (rec.get("PMID") or "").strip()
    if not pmid:
        return None
    article = empty_article(pmid)
    article["title"] = " ".join((rec.get("TI") or rec.get("BTI") or "").split())
    abstract = " ".join((rec.get("AB") or "").split())
    article["abstract_sections"] = _sections_from_text(abstract)
    article["abstract"] = "\n\n".join(
        f"{s['label']}: {s['text']}" if s["label"] else s["text"]
        for s in article["abstract_sections"]
    )
    if rec.get("CI") and article["abstract"]:
        article["abstract"] += "\n\n" + " ".join(rec["CI"].split())
    article["authors"] = list(_as_list(rec.get("AU"))) + list(_as_list(rec.get("CN")))
    article["authors_full"] = list(_as_list(rec.get("FAU"))) + list(_as_list(rec.get("CN")))
    article["journal"] = rec.get("JT") or rec.get("TA")
    article["journal_abbrev"] = rec.get("TA")
    article["issn"] = (_first(rec.get("IS")) or "").split(" ")[0] or None
    article["volume"] = rec.get("VI")
    article["issue"] = rec.get("IP")
    article["pages"] = rec.get("PG")
    article["pub_date"] = rec.get("DP")
    article["year"] = _year(rec.get("DP"))
    for lid in _as_list(rec.get("AID")) + _as_list(rec.get("LID")):
        if lid.endswith("[doi]") and not article["doi"]:
            article["doi"] = lid[: -len("[doi]")].strip()
    article["pmcid"] = rec.get("PMC")
    article["mesh"] = [h.split("/")[0].lstrip("*") for h in _as_list(rec.get("MH"))]
    article["publication_types"] = list(_as_list(rec.get("PT")))
    article["keywords"] = list(_as_list(rec.get("OT")))
    article["status"] = rec.get("STAT")
    article["language"] = [lang for lang in _as_list(rec.get("LA"))]
    for si in _as_list(rec.get("SI")):
        if any(si.startswith(r) for r in TRIAL_DATABANKS):
            article["registry_numbers"].append(si.strip())
    for tag, ref_type in COMMENT_TAGS.items():
        for source in _as_list(rec.get(tag)):
            m = PMID_RE.search(source)
            article["comments_corrections"].append(
                {
                    "type": ref_type,
                    "source": " ".join(source.split()),
                    "pmid": m.group(1) if m else None,
                }
            )
    article["entrez_date"] = _medline_date(rec.get("EDAT")) or _medline_date(rec.get("CRDT"))
    article["revised_date"] = _medline_date(rec.get("LR"))
    return article


def iter_medline(handle: IO[str], name: str = "input") -> Iterator[Article]:
    from Bio import Medline

    seen_any = False
    for rec in Medline.parse(handle):
        if not rec.get("PMID"):
            if not seen_any:
                raise NotPubMedData(
                    f"{name} is not MEDLINE text (no PMID- line in its first record)"
                )
            continue
        seen_any = True
        article = article_from_medline(rec)
        if article is not None:
            yield article
    if not seen_any:
        raise NotPubMedData(f"{name} holds no MEDLINE records")


# --- files -------------------------------------------------------------------------------


def open_binary(path: Path) -> IO[bytes]:
    raw = open(path, "rb")  # noqa: SIM115 - the caller closes it
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        # A GzipFile reads as IO[bytes] does, but typeshed does not derive it from IO.
        return gzip.open(raw)  # type: ignore[return-value]
    raw.seek(0)
    return raw


def sniff(head: bytes) -> str | None:
    """'xml', 'medline' or None for the first bytes of a (decompressed) file."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<"):
        return "xml"
    if re.match(rb"PMID- ?\d", text):
        return "medline"
    return None


def iter_file(path: Path) -> Iterator[Article]:
    """Articles from a PubMed XML (.xml, .xml.gz) or MEDLINE (.txt, .nbib) file.

    Raises NotPubMedData when the file is neither, OSError when it cannot be read and
    ParseError (wrapped as NotPubMedData) when XML is broken.
    """
    name = path.name
    with open_binary(path) as handle:
        try:
            head = handle.peek(512)[:512] if hasattr(handle, "peek") else b""
        except (OSError, EOFError) as exc:
            raise NotPubMedData(f"{name} cannot be read: {exc}") from None
        kind = sniff(head)
        if kind is None:
            raise NotPubMedData(f"{name} is neither PubMed XML nor MEDLINE text")
        if kind == "xml":
            try:
                yield from iter_xml(handle, name)
            except ParseError as exc:
                raise NotPubMedData(f"{name} is not well-formed XML ({exc})") from None
        else:
            text = io.TextIOWrapper(handle, encoding="utf-8", errors="replace")
            yield from iter_medline(text, name)
