"""Which fault, if any, a request gets: chosen by model name or by runtime rules. Pure logic
(the RNG is seeded, so a run with the same requests in the same order is reproducible).

Model names (TensorZero style): a model id containing `error-429`, `error-500`, `error-503`,
`timeout`, `break-midstream`, `connect-reset` or `slow` always behaves that way.
Runtime rules come from the admin API (`POST /_sim/faults`); the newest matching rule wins.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

PROVIDERS = ("openai", "anthropic", "gemini")
KINDS = (
    "error-429",
    "error-500",
    "error-503",
    "timeout",
    "break-midstream",
    "slow",
    "connect-reset",
)
ERROR_STATUS = {"error-429": 429, "error-500": 500, "error-503": 503}


def fault_from_model_name(model: str) -> str | None:
    for kind in KINDS:
        if kind in model:
            return kind
    return None


@dataclass(frozen=True)
class FaultRule:
    kind: str
    model: str = "*"
    provider: str = "*"
    rate: float = 1.0
    count: int | None = None  # fire on at most this many more requests; None = no limit

    def matches(self, provider: str, model: str) -> bool:
        return self.provider in ("*", provider) and self.model in ("*", model)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_rule(body: Any) -> FaultRule:
    """Validate an admin-API rule; raises ValueError with a readable message."""
    if not isinstance(body, Mapping):
        raise ValueError("body must be a JSON object")
    kind = body.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    model = body.get("model", "*")
    provider = body.get("provider", "*")
    if not isinstance(model, str) or not model:
        raise ValueError("model must be a model id or '*'")
    if provider not in (*PROVIDERS, "*"):
        raise ValueError(f"provider must be one of {', '.join(PROVIDERS)} or '*'")
    rate = body.get("rate", 1.0)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0.0 <= rate <= 1.0:
        raise ValueError("rate must be a number between 0 and 1")
    count = body.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError("count must be a positive integer")
    return FaultRule(kind=kind, model=model, provider=provider, rate=float(rate), count=count)


class FaultTable:
    """The runtime rules plus the seeded RNG that applies their rates."""

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._rng = random.Random(seed)
        self._rules: list[FaultRule] = []

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        return tuple(self._rules)

    def set(self, rule: FaultRule) -> None:
        """Add a rule, replacing an earlier one for the same model and provider."""
        self._rules = [
            r for r in self._rules if (r.model, r.provider) != (rule.model, rule.provider)
        ]
        self._rules.append(rule)

    def clear(self) -> None:
        self._rules.clear()
        self._rng = random.Random(self._seed)

    def decide(self, provider: str, model: str) -> str | None:
        """The fault for one request: the model name first, then the newest matching rule.

        A rule with a rate draws from the RNG each time it matches; a rule with a count is
        used up by the requests it actually fires on.
        """
        by_name = fault_from_model_name(model)
        if by_name is not None:
            return by_name
        for i in range(len(self._rules) - 1, -1, -1):
            rule = self._rules[i]
            if not rule.matches(provider, model):
                continue
            if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                return None
            if rule.count is not None:
                if rule.count <= 1:
                    del self._rules[i]
                else:
                    self._rules[i] = FaultRule(
                        rule.kind, rule.model, rule.provider, rule.rate, rule.count - 1
                    )
            return rule.kind
        return None


class Stats:
    """Request counts per provider, model and outcome (`ok`, a fault kind, or an error)."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, str]] = Counter()

    def record(self, provider: str, model: str, outcome: str) -> None:
        self._counts[(provider, model, outcome)] += 1

    def clear(self) -> None:
        self._counts.clear()

    def to_json(self) -> dict[str, Any]:
        nested: dict[str, dict[str, dict[str, int]]] = {}
        for (provider, model, outcome), n in sorted(self._counts.items()):
            nested.setdefault(provider, {}).setdefault(model, {})[outcome] = n
        return {"total": sum(self._counts.values()), "requests": nested}
