"""Password hashing with Argon2id."""

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MINIMUM_LENGTH = 12

_state = {}


def configure(profile_name: str = "RFC_9106_LOW_MEMORY"):
    """Choose the Argon2 cost profile (the test suite uses CHEAPEST to stay fast)."""
    hasher = PasswordHasher.from_parameters(getattr(profiles, profile_name))
    _state["hasher"] = hasher
    # Verified against when the email is unknown, so both cases take the same time.
    _state["dummy"] = hasher.hash("not a real password")


def _hasher() -> PasswordHasher:
    if "hasher" not in _state:
        configure()
    return _state["hasher"]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _state["dummy"], password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
