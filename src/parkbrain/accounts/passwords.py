"""Passwords: Argon2id hashes (cost from the settings), the length rule, generated passwords.

>>> hasher = make_hasher(time_cost=1, memory_kib=8, parallelism=1)
>>> stored = hasher.hash("correct horse battery")
>>> verify_password(hasher, stored, "correct horse battery"), verify_password(hasher, stored, "wrong")
(True, False)
>>> deterministic_password("demo", 1) == deterministic_password("demo", 1)
True
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 256
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I


def make_hasher(*, time_cost: int = 3, memory_kib: int = 65536, parallelism: int = 4) -> PasswordHasher:
    """An Argon2id hasher with the given cost."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def hasher_from_settings(settings) -> PasswordHasher:
    """The hasher the settings ask for."""
    return make_hasher(time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib,
                       parallelism=settings.password_hash_parallelism)


def password_problem(password: str) -> str | None:
    """Why a new password is refused (a message key of the accounts catalogue), or None."""
    if len(password) < MIN_LENGTH:
        return "password_too_short"
    if len(password) > MAX_LENGTH:
        return "password_too_long"
    if len(set(password)) < 4:
        return "password_too_simple"
    return None


def verify_password(hasher: PasswordHasher, stored: str, password: str) -> bool:
    """Whether `password` matches the stored hash (False, never an exception, when not)."""
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: dict[tuple, str] = {}


def burn_verification(hasher: PasswordHasher) -> None:
    """Spend the time of one verification, so an unknown account answers as slowly as a known one."""
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash(secrets.token_hex(16))
    verify_password(hasher, _DUMMY[key], "not the password")


def random_password(length: int = 16) -> str:
    """A new random password from an alphabet without look-alike characters."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def deterministic_password(label: str, seed: int, length: int = 14) -> str:
    """A password derived from a seed (demo accounts only: the same demo gives the same passwords)."""
    digest = hashlib.sha256(f"parkbrain-demo:{seed}:{label}".encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:length])
