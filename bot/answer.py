"""The answer objects, and the extractive step that turns scored sentences into one verbatim quote."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

from .lexical import continues, points_back
from .kinds import answer_type_match
from .retrieval import Scored
from .segments import Segment


@dataclass(frozen=True)
class Citation:
    source: str      # document path relative to its corpus root
    paragraph: int   # 1-based paragraph number in that document
    start: int       # offsets into Path.read_text(encoding="utf-8") of that document
    end: int
    text: str        # exactly document_text[start:end]
    score: float


@dataclass(frozen=True)
class Answer:
    question: str
    text: str                      # the verbatim answer; "" when abstaining
    abstained: bool
    citations: list[Citation] = field(default_factory=list)  # best first; citations[0] is the answer's span
    score: float = 0.0             # evidence score of the answer (or of the best passage when abstaining)
    threshold: float = 0.0         # the corpus's calibrated abstention threshold
    message: str = ""              # what to tell the user when abstaining, in the question's language
    resolved_question: str = ""    # the question as searched, after folding in the chat history
    reason: str = ""               # why it abstained or is uncertain, in the question's language ("" otherwise)
    check: str = ""                # which check abstained: "vague", "weak", "code", "kind", "word", "unknown"
    uncertain: bool = False        # answered, but a passage elsewhere scores nearly as well (reason says where)

    def to_dict(self) -> dict:
        return asdict(self)


def cite(seg: Segment, score: float, document_text: str, end: int | None = None) -> Citation:
    """A citation of seg (or of seg through `end`, for adjacent sentences) sliced from the document."""
    stop = seg.end if end is None else end
    return Citation(seg.source, seg.paragraph, seg.start, stop, document_text[seg.start:stop], round(float(score), 4))


def rival(scored: Scored, segments: list[Segment], quote: Citation) -> int | None:
    """The position in `scored` of the best candidate outside the best one's paragraph and outside the quote
    (which may run into the next paragraph), or None."""
    first = segments[int(scored.ids[0])]

    def elsewhere(seg: Segment) -> bool:
        inside = seg.source == quote.source and quote.start <= seg.start < quote.end
        return (seg.source, seg.paragraph) != (first.source, first.paragraph) and not inside

    return next((k for k, i in enumerate(scored.ids) if elsewhere(segments[int(i)])), None)


def extract(scored: Scored, segments: list[Segment], texts: dict[str, str], pair_gain: float, top_k: int,
            restates: Callable[[Segment], bool] = lambda seg: False, quote_chars: int = 400,
            wanted: frozenset[str] = frozenset()) -> list[Citation]:
    """The best sentence, and with it the sentences of its paragraph that score nearly as well (within
    pair_gain), best first, with whatever lies between them (the quote stays one slice of the text), while
    the quote stays within quote_chars: "Guests may park in the yard... Guests may park on the street... Guests
    may not park overnight." An adjacent neighbour may always join. Then the next-best distinct sentences as
    supporting citations. A best sentence that only restates the question (lexical.restates) is extended
    through the best other sentence of its paragraph, a quote ending in ":" through the sentence that
    follows it, and a quote through the next sentence when that one goes on about what it named
    (lexical.continues) or, for a why-question (`wanted` holds "reason") the quote answers with no cause,
    points back to it (lexical.points_back)."""
    ids = [int(i) for i in scored.ids]
    scores = dict(zip(ids, map(float, scored.scores)))
    best = ids[0]
    seg = segments[best]
    text = texts[seg.source]
    here = (seg.source, seg.paragraph)
    first, last = best, best
    for i in ids[1:]:
        if (segments[i].source, segments[i].paragraph) != here or scores[i] < scores[best] - pair_gain:
            continue
        lo, hi = min(first, i), max(last, i)
        if segments[hi].end - segments[lo].start <= quote_chars or (first == last and abs(i - best) == 1):
            first, last = lo, hi
    if first == last and restates(seg):
        same = [i for i in ids if i != best and (segments[i].source, segments[i].paragraph) == here]  # best first
        if same:
            first, last = min(best, same[0]), max(best, same[0])
    after = last + 1  # a quote ending in ":" announces what follows ("...rename the column:" over a command)
    if (segments[last].text.endswith(":") and after < len(segments) and segments[after].source == seg.source
            and segments[after].paragraph - segments[last].paragraph in (0, 1)):
        last = after
    def following() -> Segment | None:
        """The sentence after the quote, if it is in the same paragraph and the quote may grow to it."""
        nxt = segments[last + 1] if last + 1 < len(segments) else None
        fits = nxt and (nxt.source, nxt.paragraph) == here and nxt.end - segments[first].start <= quote_chars
        return nxt if fits else None

    nxt = following()  # it goes on about what the quote named ("...a committee." / "The committee...")
    if nxt and continues(segments[last].text, nxt.text):
        last += 1
    nxt = following()  # "why?" answered by a statement of the fact: its cause may follow ("This change was made as")
    if (nxt and "reason" in wanted and points_back(nxt.text)
            and not answer_type_match(text[segments[first].start:segments[last].end], {"reason"})):
        last += 1
    answer = cite(segments[first], scores[best], text, segments[last].end)
    others = [cite(segments[i], scores[i], texts[segments[i].source]) for i in ids if not first <= i <= last]
    return [answer] + others[: max(0, top_k - 1)]
