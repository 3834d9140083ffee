from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokaroo_router.word_vectors import (
    Matrix,
    WordVectors,
    ensure,
    load_vectors,
    save_vectors,
    vocabulary,
)


def test_vocabulary_keeps_words_in_enough_texts() -> None:
    lows = ["the cat sat", "the cat ran", "the dog 42 x"]
    assert vocabulary(lows, min_df=2) == ["cat", "the"]  # no numbers, no one-letter tokens


def test_ensure_embeds_only_missing_words_and_caches(tmp_path: Path) -> None:
    asked: list[list[str]] = []

    def embed(words: Sequence[str]) -> Matrix:
        asked.append(list(words))
        return np.asarray([[len(w), 1.0] for w in words], np.float32)

    path = tmp_path / "v.npz"
    save_vectors(WordVectors(("cat",), np.asarray([[9.0, 9.0]], np.float32)), path)
    got = ensure(path, ["dog", "cat", "horse"], embed)
    assert asked == [["dog", "horse"]]
    assert got.words == ("cat", "dog", "horse")
    assert got.matrix.tolist() == [[9.0, 9.0], [3.0, 1.0], [5.0, 1.0]]
    assert set(load_vectors(path).words) == {"cat", "dog", "horse"}
    assert ensure(path, ["dog"], embed).words == ("dog",) and len(asked) == 1
    assert ensure(tmp_path / "none.npz", [], embed).words == ()
