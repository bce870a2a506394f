"""Evidence flag names and their short badges.

Kept apart from evidence.py so listing articles does not compile its rules at start-up.
"""

FLAGS: tuple[str, ...] = (
    "rct",
    "possible-rct",
    "meta-analysis",
    "systematic-review",
    "protocol",
    "sham-controlled",
    "retracted",
    "registered",
    "pilot",
)

LABELS: dict[str, str] = {
    "rct": "RCT",
    "possible-rct": "RCT?",
    "meta-analysis": "MA",
    "systematic-review": "SR",
    "protocol": "protocol",
    "sham-controlled": "sham",
    "retracted": "RETRACTED",
    "registered": "reg",
    "pilot": "pilot",
}
