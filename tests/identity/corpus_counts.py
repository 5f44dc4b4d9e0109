"""How many rows of each kind the policy gets right: `python -m tests.identity.corpus_counts`.

Prints, per kind of `corpus.ISSUE_KINDS` (other labels counted together as "other"), the real
names accepted out of the accept rows and the pseudonyms refused (or sent to review, for the
"-soft" kinds) out of the refuse rows, over the project's corpora and BYLINE_TEST_NAMES_DIR's.
With --misses it lists the rows the policy gets wrong.
"""

import sys
from collections import Counter

from app.identity.policy import Verdict, check_name
from tests.identity.corpus import ISSUE_KINDS, Row, extra_rows, project_rows


def right(row: Row) -> bool:
    verdict = check_name(row.name).verdict
    if row.accepted:
        return verdict == Verdict.ACCEPT
    return verdict == (Verdict.REVIEW if row.expects_review else Verdict.REFUSE)


def main(argv: list[str]) -> int:
    rows = project_rows() + extra_rows()
    good: Counter[tuple[str, bool]] = Counter()
    total: Counter[tuple[str, bool]] = Counter()
    misses = []
    for row in rows:
        kind = row.kind if row.kind in ISSUE_KINDS else "other"
        total[kind, row.accepted] += 1
        if right(row):
            good[kind, row.accepted] += 1
        else:
            misses.append(row)
    print(f"{'kind':22} {'real names accepted':>20} {'pseudonyms refused':>20}")
    for kind in [*ISSUE_KINDS, "other", "all"]:
        cells = []
        for accepted in (True, False):
            keys = [k for k in total if k[1] == accepted and (kind == "all" or k[0] == kind)]
            n, ok = sum(total[k] for k in keys), sum(good[k] for k in keys)
            cells.append(f"{ok}/{n}" if n else "-")
        print(f"{kind:22} {cells[0]:>20} {cells[1]:>20}")
    if "--misses" in argv:
        for row in misses:
            result = check_name(row.name)
            print(f"  {row.source}\t{row.name}\t{row.label}\t{result.verdict}/{result.code}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
