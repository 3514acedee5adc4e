"""The doctor's checks, shared by ``claude-coder doctor`` and a host's ``doctor`` call:
what a session with one profile would run, on which login, and what the environment
holds (names only), as JSON-ready data."""

from claude_coder.doctor.checks import check_profile, login_status

__all__ = ["check_profile", "login_status"]
