"""British and American spellings of a search word, as PubMed's own search matches them.

PubMed finds "randomised" for "randomized" and "tumour" for "tumor"; SQLite's porter
stemmer does not ("randomized" and "randomised" stem apart). A search word is therefore
also searched in its other spelling: -ise/-ize, -isation/-ization, -yse/-yze (one rule: the
stemmer joins the rest of each family), -our/-or, and the oe/e and ae/e of medical words
(oedema, oesophagus, oestrogen, foetal, diarrhoea, coeliac; haemorrhage, anaemia,
paediatric, anaesthesia, aetiology).

The word is rewritten two ways, all-American and all-British; a phrase has each of its
words rewritten the same way, so a phrase gives at most three forms, never a product of
every word's forms. A rewrite that is no English word matches nothing and costs one index
lookup; the rules leave out the real words they would turn into others (poet, does, floor,
four, hour).
"""

from __future__ import annotations

import re

_SUFFIX_IZE = r"(e|es|ed|ing|ation|ations|er|ers|able)$"
_SUFFIX_OUR = r"(s|ed|ing|al|ally|ful|less|able|ably|ite|ites|ism|ist|ists)?$"

# British -> American.
TO_US = (
    (re.compile(rf"(?<=[a-z]{{3}})is{_SUFFIX_IZE}"), r"iz\1"),  # randomised, randomisation
    (re.compile(rf"(?<=[a-z]{{2}})ys{_SUFFIX_IZE}"), r"yz\1"),  # analysed
    (re.compile(rf"(?<=[a-z][a-np-z])our{_SUFFIX_OUR}"), r"or\1"),  # tumour, behavioural
    # oedema, diarrhoea, coeliac, foetal; not poem/poet, nor does/goes/shoes.
    (re.compile(r"(?<!^p)oe(?=[a-z])(?!s$)"), "e"),
    # haemorrhage, anaemia, paediatric, aetiology; not aerobic.
    (re.compile(r"(?<!^)ae(?=[a-z])|^ae(?=[a-qs-z])"), "e"),
)
# American -> British: the suffixes back, and the medical stems that take an a or an o.
TO_UK = (
    (re.compile(rf"(?<=[a-z]{{3}})iz{_SUFFIX_IZE}"), r"is\1"),
    (re.compile(rf"(?<=[a-z]{{2}})yz{_SUFFIX_IZE}"), r"ys\1"),
    (re.compile(rf"(?<=[a-z][a-np-z])or{_SUFFIX_OUR}"), r"our\1"),
    (re.compile(r"^hem(?=[ao])"), "haem"),
    (re.compile(r"(?<=[a-z][b-np-z])emi(a|as|c|cs)$"), r"aemi\1"),  # anemia, ischemic
    (re.compile(r"^ped(?=iatr)|(?<=^ortho)ped"), "paed"),
    (re.compile(r"^ane(?=sth)"), "anae"),
    (re.compile(r"^e(?=sthe|tiol)"), "ae"),
    # gynaecology, caesarean, caecum, faecal, archaeology, palaeo-, phaeochromocytoma
    (re.compile(r"^(gyn|c|f|arch|pal|ph)e(?=c|sar|o)"), r"\1ae"),
    (re.compile(r"^e(?=dem|sophag|str[aou])"), "oe"),
    (re.compile(r"^fe(?=t(?:al|us|o))"), "foe"),
    (re.compile(r"^(c|am|hom)e(?=liac|b|op)"), r"\1oe"),  # coeliac, amoeba, homoeopathy
    (re.compile(r"(?<=rrh|.pn)e(?=a)"), "oe"),  # diarrhea, gonorrhea; apnea, dyspnea
)
# A prefix search ("randomis*") ends inside the suffix.
PREFIX_TO_US = ((re.compile(r"(?<=[a-z]{3})is$"), "iz"),)
PREFIX_TO_UK = ((re.compile(r"(?<=[a-z]{3})iz$"), "is"),)


def _rewrite(word: str, rules: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    for rx, replacement in rules:
        word = rx.sub(replacement, word)
    return word


def spellings(text: str, prefix: bool = False) -> list[str]:
    """``text`` (a word or a phrase, lower case or not) and its other spellings, ``text``
    first; each word of a phrase rewritten alike."""
    words = text.lower().split()
    out = [text]
    for rules, at_end in ((TO_US, PREFIX_TO_US), (TO_UK, PREFIX_TO_UK)):
        rewritten = [_rewrite(w, rules) for w in words]
        if prefix and rewritten:
            rewritten[-1] = _rewrite(rewritten[-1], at_end)
        form = " ".join(rewritten)
        if form != " ".join(words) and form not in out:
            out.append(form)
    return out
