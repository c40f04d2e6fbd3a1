"""Argon2 with cheap parameters, for tests only: the same algorithm and code path as in
production (settings.PASSWORD_HASHERS), without spending a second per persona."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1
