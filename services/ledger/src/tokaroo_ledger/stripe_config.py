"""Stripe billing settings (prefix TOKAROO_). Billing stays off until a secret key is set."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings
from tokaroo_common.settings import SETTINGS_CONFIG


class StripeSettings(BaseSettings):
    """`TOKAROO_STRIPE_SECRET_KEY`, `TOKAROO_STRIPE_WEBHOOK_SECRET`, `TOKAROO_STRIPE_API_BASE`,
    `TOKAROO_BILLING_MIN_USD`, `TOKAROO_BILLING_MAX_USD`, `TOKAROO_BILLING_SUCCESS_URL`,
    `TOKAROO_BILLING_CANCEL_URL`, `TOKAROO_STRIPE_WEBHOOK_TOLERANCE_S`,
    `TOKAROO_STRIPE_TIMEOUT_S`."""

    model_config = SETTINGS_CONFIG

    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None  # a self-hosted fake or a test server
    stripe_webhook_tolerance_s: int = Field(default=300, ge=1)
    stripe_timeout_s: float = Field(default=20.0, gt=0)
    billing_min_usd: Decimal = Field(default=Decimal(5), gt=0, allow_inf_nan=False)
    billing_max_usd: Decimal = Field(default=Decimal(10_000), gt=0, allow_inf_nan=False)
    # The console's pages (served by the edge): they show the credit once the webhook landed.
    billing_success_url: str = (
        "http://localhost:8080/console/billing/success?session_id={CHECKOUT_SESSION_ID}"
    )
    billing_cancel_url: str = "http://localhost:8080/console/billing/cancel"

    @property
    def secret_key(self) -> str | None:
        """The Stripe API key, None when unset or empty."""
        return _value(self.stripe_secret_key)

    @property
    def webhook_secret(self) -> str | None:
        """The webhook endpoint secret (whsec_...), None when unset or empty."""
        return _value(self.stripe_webhook_secret)


def _value(secret: SecretStr | None) -> str | None:
    if secret is None:
        return None
    return secret.get_secret_value().strip() or None
