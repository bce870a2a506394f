"""Evidence flag names and their short badges.

Kept apart from the evidence package so listing articles does not compile its rules at start-up.
"""

FLAGS: tuple[str, ...] = (
    "rct",
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
    "meta-analysis": "MA",
    "systematic-review": "SR",
    "protocol": "protocol",
    "sham-controlled": "sham",
    "retracted": "RETRACTED",
    "registered": "reg",
    "pilot": "pilot",
}
