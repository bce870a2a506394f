"""Whether a cited journal is the journal of a PubMed record, the ways NLM writes it.

A record names its journal in full (``Journal/Title``: "Orthopedic clinics of North
America") and by NLM's ISO abbreviation ("Orthop. Clin. North Am."; MedlineTA when a record
has no ISO form). Citations print any of these, with or without the abbreviation's dots
(Vancouver as PubMed cites it, AMA), in title case (APA), with or without NLM's
place in parentheses ("Drugs (Abingdon, England)"). Names are compared as folded words
(case, accents and punctuation off, "Journal"/"of"/"the" dropped): equal, or one
abbreviating the other word by word ("nat med" for "nature medicine").
"""

from __future__ import annotations

import re

from .references import PIECE_END_RE, STOP_WORDS, fold

# "a" stays: it is the A of "Proc Natl Acad Sci U S A". "J" and "Journal" stay too: "Spine J"
# is not "Spine", and "Journal of neurosurgery" is not "Neurosurgery" ("J" abbreviates
# "Journal" as any word abbreviates its own); only a final "Journal" may be left out.
JOURNAL_DROP = (STOP_WORDS - {"a"}) | {"part", "de", "la", "des", "der", "und", "et"}


def _subsequence(short: str, word: str) -> bool:
    it = iter(word)
    return all(ch in it for ch in short)


def _abbreviates(short: list[str], long: list[str]) -> bool:
    """'nat med' abbreviates 'nature medicine'; 'tradit chin med' 'traditional chinese ...'."""
    return len(short) == len(long) and all(
        s == w or (s[0] == w[0] and _subsequence(s, w)) for s, w in zip(short, long, strict=True)
    )


def _forms(name: str) -> list[list[str]]:
    """The name as folded words: whole, before a subtitle (" : "), and before ". " when
    that first sentence is a title of its own ("The Journal of bone and joint surgery.
    American volume"), never a dotted abbreviation's first word ("Med. Sci. Monit.")."""
    full = re.sub(r"\([^)]*\)", " ", name)
    forms = [full, re.split(r"\s[:=]\s|\s?[:=]\s", full)[0]]
    first = re.split(r"\.\s", full)[0]
    if len(first.split()) >= 2:
        forms.append(first)
    out = []
    for form in forms:
        tokens = [t for t in fold(form).split() if t not in JOURNAL_DROP]
        # "Multiple Sclerosis Journal", as its publisher names it, is NLM's "Mult Scler".
        shorter = tokens[:-1] if len(tokens) > 1 and tokens[-1] == "journal" else []
        for words in (tokens, shorter):
            if words and words not in out:
                out.append(words)
    return out


def journals_match(cited: str, *held: str | None) -> bool:
    mine = _forms(cited)
    for name in held:
        if not name:
            continue
        for theirs in _forms(name):
            for a in mine:
                if a == theirs or _abbreviates(a, theirs) or _abbreviates(theirs, a):
                    return True
    return False


def cited_journal(journal: str, record_title: str | None) -> str:
    """The cited journal without leading sentences that end the record's own title.

    Where a title ends and a journal starts is not always clear in a citation ("... a
    'clear cut' case! Actinomycosis. Neth J Med."): sentences read as the journal that are
    the last words of the record's title are title."""
    pieces = PIECE_END_RE.split(journal.strip())
    held = fold(record_title or "")
    for i in range(1, len(pieces)):
        head = fold(" ".join(pieces[:i]))
        if head and held.endswith(head):
            return " ".join(pieces[i:])
    return journal
