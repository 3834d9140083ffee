"""Tokaroo upstream simulator: OpenAI, Anthropic and Gemini wire formats with deterministic
answers and injectable faults, for tests and the local stack (no real provider needed)."""

from tokaroo_simulator.app import SimState, create_app
from tokaroo_simulator.config import Settings, load_settings
from tokaroo_simulator.server import build_server

__all__ = ["Settings", "SimState", "build_server", "create_app", "load_settings"]
