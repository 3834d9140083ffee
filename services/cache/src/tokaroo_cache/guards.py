"""Guards against the classic semantic-cache traps, as pure functions.

Each guard compares the cached text `a` with the new text `b` and returns a reason string
when serving `a`'s answer for `b` would be wrong, or None. `edit_kind` says how far apart the
two texts are in content words, which picks the similarity threshold (see `decide`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from difflib import SequenceMatcher

from tokaroo_cache.lexicon import (
    ANTONYMS,
    DATE_WORDS,
    NEGATING_PREFIXES,
    NEGATORS,
    NUMBER_WORDS,
    SCOPE,
    STOPWORDS,
    UNIT_DAYS,
)
from tokaroo_cache.text import FILLERS, proper_nouns, tokens, word_parts

_ANTONYM_SET = frozenset(ANTONYMS) | frozenset((b, a) for a, b in ANTONYMS)
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$")


def stem(word: str) -> str:
    """A crude English stem: enough to match plural and tense variants."""
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of two neighbours counts once)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cost = min(rows[-1][j] + 1, cur[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, rows[-2][j - 2] + 1)
            cur.append(cost)
        rows.append(cur)
    return rows[-1][-1]


def same_word(a: str, b: str) -> bool:
    """Equal, or a likely typo of each other (not for numbers or short words)."""
    if a == b:
        return True
    if a[0].isdigit() or b[0].isdigit() or a[0] != b[0] or min(len(a), len(b)) < 5:
        return False
    limit = 2 if min(len(a), len(b)) >= 8 else 1
    return _edit_distance(a, b, limit) <= limit


def _missing(words: Iterable[str], other: Iterable[str]) -> list[str]:
    pool = list(other)
    return [w for w in words if not any(same_word(w, o) for o in pool)]


def content_words(text: str) -> list[str]:
    return _content(tokens(text))


def _content(toks: list[str]) -> list[str]:
    return [stem(t) for t in toks if t not in STOPWORDS and t not in FILLERS and t not in NEGATORS]


def numbers(text: str) -> set[str]:
    """Numeric values, ordinals, dates and times, normalized ('two weeks' == '14 days')."""
    toks = tokens(text)
    out: set[str] = set()
    for i, t in enumerate(toks):
        value: float | None = None
        m = _ORDINAL.match(t)
        if m:
            value = float(m.group(1))
        elif t[0].isdigit():
            try:
                value = float(t.replace(":", "."))
            except ValueError:
                out.add(t)
        elif t in NUMBER_WORDS:
            value = float(NUMBER_WORDS[t])
        elif t in DATE_WORDS:
            out.add(DATE_WORDS[t])
        if value is not None:
            unit = toks[i + 1] if i + 1 < len(toks) else ""
            if unit in UNIT_DAYS:
                value *= UNIT_DAYS[unit]
            out.add(f"{value:g}")
    return out


def _antonym_pair(xs: Iterable[str], ys: Iterable[str]) -> bool:
    ys = list(ys)
    for x in xs:
        for y in ys:
            if (x, y) in _ANTONYM_SET or (stem(x), stem(y)) in _ANTONYM_SET:
                return True
            for p in NEGATING_PREFIXES:
                if len(x) > 3 and (y == p + x or x == p + y):
                    return True
    return False


def negated_terms(toks: list[str]) -> list[str]:
    """The content word each negator applies to ('not refund', 'without notice'); a bare
    negator ('no.') counts as itself."""
    out = []
    for i, t in enumerate(toks):
        if t in NEGATORS:
            following = [w for w in toks[i + 1 : i + 4] if w not in STOPWORDS | NEGATORS]
            out.append(stem(following[0]) if following else t)
    return out


def negation_guard(a: str, b: str) -> str | None:
    """Negations that apply to different words, or a word swapped for its opposite."""
    ta, tb = tokens(a), tokens(b)
    na, nb = negated_terms(ta), negated_terms(tb)
    if _missing(na, nb) or _missing(nb, na):
        return "negation"
    if _antonym_pair(_missing(ta, tb), _missing(tb, ta)):
        return "antonym"
    return None


def number_guard(a: str, b: str) -> str | None:
    return "number" if numbers(a) != numbers(b) else None


def entity_guard(a: str, b: str) -> str | None:
    """A name in one text that the other lacks, or the same names in another order."""
    na, nb = proper_nouns(a), proper_nouns(b)
    if _missing(na, word_parts(b)) or _missing(nb, word_parts(a)):
        return "entity"
    shared_a = [n for n in dict.fromkeys(na) if n in nb]
    shared_b = [n for n in dict.fromkeys(nb) if n in na]
    if shared_a != shared_b:
        return "entity_order"
    return None


def scope_guard(a: str, b: str) -> str | None:
    sa = {t for t in tokens(a) if t in SCOPE}
    sb = {t for t in tokens(b) if t in SCOPE}
    return "scope" if sa != sb else None


# Words whose two sides cannot trade places without changing the question: "pounds to
# euros", "savings into current", "tea healthier than coffee", "A before B".
DIRECTIONAL = frozenset(
    {
        "to",
        "from",
        "into",
        "onto",
        "than",
        "versus",
        "vs",
        "over",
        "against",
        "per",
        "before",
        "after",
        "instead",
        "rather",
    }
)


def _sides(toks: list[str], relation: str) -> tuple[list[str], list[str]] | None:
    """Content words before and after the relation word, when it occurs exactly once."""
    at = [i for i, t in enumerate(toks) if t == relation]
    if len(at) != 1:
        return None
    return _content(toks[: at[0]]), _content(toks[at[0] + 1 :])


def _shares(xs: list[str], ys: list[str]) -> bool:
    return any(same_word(x, y) for x in xs for y in ys)


def direction_guard(a: str, b: str) -> str | None:
    """Words that trade sides of a directional word: lowercase nouns the name guard does
    not see ('from savings to current' vs 'from current to savings', 'tea healthier than
    coffee' vs 'coffee healthier than tea'). A phrase moved to the front ('To my policy,
    can I add my partner?') moves words one way only and passes."""
    ta, tb = tokens(a), tokens(b)
    for relation in DIRECTIONAL.intersection(ta).intersection(tb):
        sa, sb = _sides(ta, relation), _sides(tb, relation)
        if sa is None or sb is None:
            continue
        (before_a, after_a), (before_b, after_b) = sa, sb
        if _shares(before_a, after_b) and _shares(after_a, before_b):
            return "swapped"
    return None


GUARDS: tuple[Callable[[str, str], str | None], ...] = (
    negation_guard,
    number_guard,
    entity_guard,
    scope_guard,
    direction_guard,
)


def guard_reason(a: str, b: str) -> str | None:
    """The first guard that refuses serving `a`'s answer for `b`, or None."""
    for guard in GUARDS:
        reason = guard(a, b)
        if reason:
            return reason
    return None


def edit_kind(a: str, b: str) -> str:
    """'same': the same content words (typos, fillers, case, word order aside);
    'small': a few content words changed in an otherwise equal text (the trap shape);
    'reworded': everything else."""
    ca, cb = content_words(a), content_words(b)
    gone, new = _missing(ca, cb), _missing(cb, ca)
    if not gone and not new:
        return "same"
    shared = len(ca) - len(gone)
    if len(gone) + len(new) <= 3 and shared >= max(1, len(gone), len(new)):
        return "small"
    return "reworded"


def turn_guard(a: str, b: str, max_changed: float = 0.34) -> str | None:
    """For the assistant turn a short reply ("go ahead", "cancel it") answers: beyond the
    negation, number and name guards, most content words of at least one side must appear
    in the other (small talk added on one side is fine, a different offer is not)."""
    reason = negation_guard(a, b) or number_guard(a, b) or entity_guard(a, b)
    if reason:
        return reason
    ca, cb = content_words(a), content_words(b)
    if not ca or not cb:
        return None if ca == cb else "turn_changed"
    gone, new = _missing(ca, cb), _missing(cb, ca)
    changed = min(len(gone) / len(ca), len(new) / len(cb))
    if changed > max_changed or (gone and new and min(len(ca), len(cb)) <= 6):
        return "turn_changed"
    shared_a = [w for w in ca if w in cb]
    shared_b = [w for w in cb if w in ca]
    in_order = SequenceMatcher(a=shared_a, b=shared_b, autojunk=False)
    matched = sum(block.size for block in in_order.get_matching_blocks())
    if matched < 0.8 * min(len(shared_a), len(shared_b)):
        return "turn_order"  # the same options offered in another order ("the first one")
    return None
