"""The password hasher of the practice API's accounts.

PBKDF2 like Django's default, with fewer iterations (100,000 instead of 1,000,000) so that the
many logins of lessons and tests stay quick; a real service keeps Django's default.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class PracticePBKDF2PasswordHasher(PBKDF2PasswordHasher):
    algorithm = "practice_pbkdf2_sha256"
    iterations = 100_000
