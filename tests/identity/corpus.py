"""The name corpora: rows of `name<TAB>label`, and the kinds their labels name.

A label reads `kind:detail`. In a refuse file a row whose kind ends in "-soft" (placeholder-soft,
role-word-soft) expects `review`, every other row a refusal; in an accept file every row expects
acceptance. The kinds of `ISSUE_KINDS` are the mistakes the policy was measured on (issue 12):
their rows sit on both sides, the real names in the accept files and the pseudonyms in the refuse
files, so that a rule for one side is held by rows of the other.
"""

import os
from dataclasses import dataclass
from pathlib import Path

NAMES = Path(__file__).resolve().parent / "names"
EXTRA_ENV = "BYLINE_TEST_NAMES_DIR"

ISSUE_KINDS = {
    "family-capitals": "a family name written in capitals (Denis GENTILE)",
    "apostrophe-particle": "a particle that begins with an apostrophe ('t, 's)",
    "family-role-word": "a family name that is a role or stand-in word (Robert Service)",
    "family-initial": "a family name cut down to an initial (Denis G.)",
    "role-script": "a role word in a script or language other than the first six",
    "descriptive": "a phrase that describes a person (the mother of…, X's dad, fan of…)",
    "promotional": "a promotional or suggestive word as a given name (Promo Dupont)",
    "placeholder-country": "another country's example name (Gipsz Jakab, Nguyễn Văn A)",
    "placeholder-soft": "a common real name used as an example: review (Jan Nowak)",
}


@dataclass(frozen=True)
class Row:
    name: str
    label: str
    source: str
    accepted: bool  # the row is a real name, from an accept file

    @property
    def kind(self) -> str:
        return self.label.split(":", 1)[0]

    @property
    def expects_review(self) -> bool:
        return not self.accepted and self.kind.endswith("-soft")


def read_rows(path: Path, *, accepted: bool, source: str) -> list[Row]:
    # Split on "\n" only: str.splitlines() would also cut at U+2028, U+0085 and friends.
    lines = path.read_text(encoding="utf-8").split("\n")
    fields = [tuple(line.split("\t")) for line in lines if line]
    assert all(len(f) == 2 for f in fields), f"{path.name}: every row is name<TAB>label"
    return [Row(name, label, source, accepted) for name, label in fields]


def project_rows() -> list[Row]:
    rows: list[Row] = []
    for stem in ("sample", "project"):
        for side, accepted in (("accept", True), ("refuse", False)):
            path = NAMES / f"{stem}_{side}.tsv"
            rows += read_rows(path, accepted=accepted, source=path.stem)
    return rows


def extra_rows(directory: str | None = None) -> list[Row]:
    """Rows of the directory named by BYLINE_TEST_NAMES_DIR (none when it is unset). A missing
    directory, or one with neither accept.tsv nor refuse.tsv, raises ValueError: a typo must not
    pass as "no extra cases"."""
    directory = os.environ.get(EXTRA_ENV) if directory is None else directory
    if not directory:
        return []
    root = Path(directory)
    if not root.is_dir():
        raise ValueError(f"{EXTRA_ENV}={directory}: no such directory")
    rows: list[Row] = []
    for stem, accepted in (("accept", True), ("refuse", False)):
        if (root / f"{stem}.tsv").is_file():
            rows += read_rows(root / f"{stem}.tsv", accepted=accepted, source=f"extra_{stem}")
    if not rows:
        raise ValueError(f"{EXTRA_ENV}={directory}: no accept.tsv nor refuse.tsv")
    return rows
