"""The exact cache's key layout: every key is scoped by its tenant."""

from __future__ import annotations

import pytest
from tokaroo_common.cache_keys import exact_key, index_key, tenant_pattern


def test_keys_are_scoped_by_tenant() -> None:
    assert exact_key("t1", "abc") == "tokaroo:cache:v1:{t1}:exact:abc"
    assert index_key("t1") == "tokaroo:cache:v1:{t1}:index"
    assert tenant_pattern("t1") == "tokaroo:cache:v1:{t1}:*"
    assert exact_key("t1", "k") != exact_key("t2", "k")


@pytest.mark.parametrize("tenant", ["", "a*", "a{b}", "x?y", "a[1]"])
def test_keys_refuse_tenants_that_could_match_others(tenant: str) -> None:
    with pytest.raises(ValueError):
        exact_key(tenant, "k")
    with pytest.raises(ValueError):
        tenant_pattern(tenant)


def test_exact_key_requires_request_key() -> None:
    with pytest.raises(ValueError):
        exact_key("t1", "")
