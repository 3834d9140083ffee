"""Pure text handling for the semantic cache: the typed conversation's turns as normalized text,
and the token features the guards compare. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tokaroo_common.turns import role_name, turn_text
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

_CONTRACTIONS = (
    (re.compile(r"\bcan['’]t\b"), "can not"),
    (re.compile(r"\bwon['’]t\b"), "will not"),
    (re.compile(r"\bshan['’]t\b"), "shall not"),
    (re.compile(r"n['’]t\b"), " not"),
    (
        re.compile(r"\b(what|that|it|there|here|who|where|how|when|why|which|she|he)['’]s\b"),
        r"\1 is",
    ),
    (re.compile(r"['’]re\b"), " are"),
    (re.compile(r"['’]m\b"), " am"),
    (re.compile(r"['’]ll\b"), " will"),
    (re.compile(r"['’]ve\b"), " have"),
    (re.compile(r"['’]d\b"), " would"),
    (re.compile(r"['’]s\b"), ""),
)
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+")
_RAW_WORD = re.compile(r"[^\W_][\w'’-]*")
_SENTENCE_END = re.compile(r"[.!?:;\n]\s*$")

# Words that carry no meaning of their own in a request: greetings, hedges, politeness.
FILLERS = frozenset(
    {
        "um",
        "umm",
        "uh",
        "er",
        "erm",
        "hey",
        "hi",
        "hello",
        "thanks",
        "thank",
        "please",
        "yeah",
        "yes",
        "ok",
        "okay",
        "so",
        "well",
        "just",
        "lol",
        "cheers",
        "quick",
        "question",
        "there",
        "oh",
        "hmm",
        "like",
    }
)


_NOT_NAMES = frozenset({"I", "OK", "Ok", "AM", "PM", "Mr", "Mrs", "Ms", "Dr"})


@dataclass(frozen=True)
class Message:
    role: str
    content: str


def normalize_lines(text: str) -> str:
    """Whitespace collapsed inside each line; empty lines dropped (lines are kept)."""
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def from_conversation(conv: cpb.Conversation) -> list[Message]:
    """The typed conversation's turns as (role name, normalized text), empty turns left out
    (a tool call is text here: its name and arguments)."""
    out = [Message(role_name(t), normalize_lines(turn_text(t))) for t in conv.turns]
    return [m for m in out if m.content]


def normalize(text: str) -> str:
    """Lowercase, straight quotes, contractions expanded, whitespace collapsed."""
    out = text.lower().replace("’", "'")
    for pattern, repl in _CONTRACTIONS:
        out = pattern.sub(repl, out)
    return " ".join(out.split())


def tokens(text: str) -> list[str]:
    """Word and number tokens of the normalized text; numbers lose their thousands commas."""
    return [t.replace(",", "") if t[0].isdigit() else t for t in _TOKEN.findall(normalize(text))]


def word_parts(text: str) -> set[str]:
    """Lowercased words split at hyphens and apostrophes, digits kept with letters (p60)."""
    return {p for w in _RAW_WORD.findall(text.lower()) for p in re.split(r"[-'’]", w) if p}


def proper_nouns(text: str) -> list[str]:
    """Words that look like names: capitalized inside a sentence, acronyms, mixed case or
    letters with digits (HubSpot, macOS, PDF, A320). Lowercased, in order of appearance.
    All-caps or Title Case text carries no such signal and gives none."""
    words = _RAW_WORD.findall(text)
    letters = [w for w in words if any(c.isalpha() for c in w)]
    if not letters or sum(w[0].isupper() for w in letters) > 0.6 * len(letters):
        return []
    found: list[str] = []
    for m in _RAW_WORD.finditer(text):
        start_of_sentence = m.start() == 0 or bool(_SENTENCE_END.search(text[: m.start()]))
        for i, part in enumerate(re.split(r"[-'’]", m.group())):
            if not part or part in _NOT_NAMES or (i > 0 and part in ("s", "t")):
                continue
            digits = any(c.isdigit() for c in part) and any(c.isalpha() for c in part)
            caps = any(c.isupper() for c in part[1:])
            initial = part[0].isupper() and not (start_of_sentence and i == 0)
            if digits or caps or initial:
                found.append(part.lower())
    return found
