"""Is this letter one the portal issued, unchanged? (reads only; the public page
decisions/views/verify.py asks it).

A letter is recognised by its SHA-256: the stored letter is the signed PDF, and its hash is
kept with it (applications/letters.py). A PDF whose hash is not in the register may still carry
the portal's signature, broken (the file was altered) or intact but followed by additions; the
answer says which. The answer names the kind of letter, the authority and the day it was issued:
what its holder already reads on it, and nothing else (no name, no amount).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from applications.signing import SignatureCheck, trusted_certificates, verify_pdf

from .models import Letter


class UnreadablePdf(ValueError):
    pass


@dataclass(frozen=True)
class Authenticity:
    sha256: str
    issued: bool  # the portal issued a letter with exactly these bytes
    kind_label: str = ""
    authority: str = ""
    issued_at: datetime | None = None
    signature: SignatureCheck | None = None  # None when only a hash was given

    @property
    def unchanged(self) -> bool:
        """The portal's letter, not one byte changed: its SHA-256 is that of a stored letter
        (the signature, shown beside, is a second proof that needs no register; letters stored
        before signing began are recognised by their hash alone)."""
        return self.issued

    @property
    def altered(self) -> bool:
        """Not a stored letter, yet signed, and the signature does not hold: changed after
        signing, completed after signing, or signed by someone else."""
        return not self.issued and self.signature is not None and self.signature.signed and not self.signature.valid


def _issued(letter: Letter | None, sha256: str, signature: SignatureCheck | None) -> Authenticity:
    if letter is None:
        return Authenticity(sha256=sha256, issued=False, signature=signature)
    return Authenticity(
        sha256=sha256, issued=True, kind_label=str(Letter.Kind(letter.kind).label),
        authority=letter.application.scheme.authority.name, issued_at=letter.created_at, signature=signature,
    )


def _letters():
    return Letter.objects.select_related("application__scheme__authority").exclude(pdf_sha256="")


def letter_authenticity_of_file(*, pdf: bytes) -> Authenticity:
    """Raises UnreadablePdf when `pdf` is not a readable PDF."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    try:
        signature = verify_pdf(pdf, trusted=trusted_certificates())
    except ValueError as error:
        raise UnreadablePdf(str(error)) from error
    return _issued(_letters().filter(pdf_sha256=sha256).first(), sha256, signature)


def letter_authenticity_of_hash(*, reference: str, sha256: str) -> Authenticity:
    """The letter of file `reference` whose SHA-256 is `sha256` (both required: the reference
    printed on the letter, the hash its holder computed)."""
    sha256 = sha256.lower()
    letter = _letters().filter(application__reference__iexact=reference, pdf_sha256=sha256).first()
    return _issued(letter, sha256, None)
