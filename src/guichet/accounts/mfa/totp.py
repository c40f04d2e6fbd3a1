"""Time-based one-time passwords (RFC 6238 on top of RFC 4226 HOTP), standard library only.

Defaults are what every authenticator app understands: SHA-1, 6 digits, 30-second steps.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
DIGEST = "sha1"
WINDOW = 1  # steps accepted on either side of the current one (clock drift)
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends for HMAC-SHA1

_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def secret_generate() -> str:
    """A new random shared secret, base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def secret_bytes(secret_b32: str) -> bytes:
    cleaned = secret_b32.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = DIGEST) -> str:
    """RFC 4226 section 5.3: HMAC the counter, dynamically truncate, keep ``digits`` digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), _DIGESTS[digest]).digest()
    offset = mac[-1] & 0x0F
    binary = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(binary % (10**digits)).zfill(digits)


def time_step(at: float, *, step: int = STEP_SECONDS) -> int:
    return int(at // step)


def totp(key: bytes, *, at: float, step: int = STEP_SECONDS, digits: int = DIGITS, digest: str = DIGEST) -> str:
    return hotp(key, time_step(at, step=step), digits=digits, digest=digest)


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def totp_match(
    key: bytes,
    code: str,
    *,
    at: float | None = None,
    after_step: int = 0,
    window: int = WINDOW,
    step: int = STEP_SECONDS,
    digits: int = DIGITS,
) -> int | None:
    """The time step ``code`` belongs to, or ``None``.

    Steps within ``window`` of the current one are accepted, but only steps after ``after_step``
    (the last step already used), so each code works at most once. Every candidate is compared in
    constant time and the loop never stops early, so timing says nothing about which one matched.
    """
    code = normalise_code(code)
    if len(code) != digits or not code.isascii() or not code.isdigit():
        return None
    current = time_step(time.time() if at is None else at, step=step)
    matched: int | None = None
    for candidate in range(current - window, current + window + 1):
        ok = hmac.compare_digest(hotp(key, candidate, digits=digits).encode(), code.encode())
        if ok and candidate > after_step and matched is None:
            matched = candidate
    return matched


def otpauth_uri(secret_b32: str, *, account_name: str, issuer: str) -> str:
    """The Key URI Format understood by authenticator apps (Google Authenticator and others)."""
    label = quote(f"{issuer}:{account_name}", safe="@:")
    params = urlencode(
        {"secret": secret_b32, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP_SECONDS},
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{params}"


def qr_svg_data_uri(data: str) -> str:
    """``data`` as a QR code: an SVG in a ``data:`` URI, allowed by our CSP (img-src data:)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def secret_grouped(secret_b32: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret_b32[i : i + 4] for i in range(0, len(secret_b32), 4))
