"""Electronic signature of the letters (PAdES, with pyHanko) and its verification.

Every letter the portal issues is signed with the authority's certificate before it is stored
and sent: the stored file IS the signed PDF, and its SHA-256 is kept with it. The proof that a
letter is the one the portal issued is then that signature plus the stored hash; printing the
letter again is not needed (and after a library upgrade would give other bytes).

The signature is a PAdES baseline signature (ETSI EN 319 142, subfilter ETSI.CAdES.detached)
added as an incremental update: the signed file begins with the unsigned PDF unchanged, so a
PDF/A letter stays PDF/A, and any PDF reader checks it without this portal or this library.

Configuration, from the environment (settings.LETTER_SIGNING_*): the certificate and its private
key (PEM files), the key's passphrase, and the certificates of earlier keys still to be trusted
when checking letters signed before a renewal. With nothing configured, the portal signs with a
demonstration certificate that `manage.py ensure_signing_certificate` creates (`make run` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SigningError(Exception):
    """The letter cannot be signed: no usable certificate or key."""


@dataclass(frozen=True)
class SignatureCheck:
    """What the signature embedded in a PDF says. `signed` is False when the PDF carries no
    signature at all (then nothing else is meaningful)."""

    signed: bool
    intact: bool = False  # the signed bytes are unchanged since signing
    trusted: bool = False  # signed by the portal's certificate (current or earlier)
    whole_file: bool = False  # nothing was appended after the signature
    signed_at: datetime | None = None
    signer: str = ""

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.trusted and self.whole_file


def _paths() -> tuple[Path, Path]:
    cert, key = settings.LETTER_SIGNING_CERT, settings.LETTER_SIGNING_KEY
    if not cert or not key:
        raise ImproperlyConfigured("LETTER_SIGNING_CERT and LETTER_SIGNING_KEY must name the signing certificate and key.")
    return Path(cert), Path(key)


@cache
def _signer(cert: Path, key: Path, passphrase: str):
    from pyhanko.sign import signers

    try:
        signer = signers.SimpleSigner.load(str(key), str(cert), key_passphrase=passphrase.encode() or None)
    except (OSError, ValueError, TypeError) as error:
        raise SigningError(f"Cannot load the signing certificate {cert} and key {key}: {error}") from error
    if signer is None:  # pyHanko logs and returns None when the files do not parse
        raise SigningError(f"Cannot load the signing certificate {cert} and key {key}.")
    return signer


def load_signer():
    """The signer configured by settings (cached per certificate, key and passphrase)."""
    cert, key = _paths()
    if not cert.is_file() or not key.is_file():
        raise SigningError(
            f"No signing certificate at {cert} or no key at {key}: set LETTER_SIGNING_CERT and "
            "LETTER_SIGNING_KEY, or run `manage.py ensure_signing_certificate` for a demonstration one."
        )
    return _signer(cert, key, settings.LETTER_SIGNING_KEY_PASSPHRASE)


def sign_pdf(pdf: bytes, *, signer, reason: str, location: str = "") -> bytes:
    """Sign `pdf` (PAdES, SHA-256) in an incremental update: the result begins with `pdf`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name="Signature", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location=location or None,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    return signers.sign_pdf(writer, meta, signer=signer, bytes_reserved=_reserved_bytes(signer)).getvalue()


@cache
def _reserved_bytes(signer) -> int:
    """The room to reserve in the PDF for the signature, computed once per signer exactly as
    pyHanko does when it is not given (a dummy CMS signature, twice its length as hexadecimal,
    plus half again). Left to pyHanko, that dummy signature is built before every real one: a
    third of a letter's signing time (bench/batch.py). The size depends only on the certificate
    and the key, not on the letter."""
    import asyncio
    import hashlib
    from datetime import UTC

    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    dummy = asyncio.run(signer.async_sign(
        hashlib.sha256().digest(), "sha256", use_pades=True, dry_run=True,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=datetime.now(UTC)),
    ))
    length = len(dummy.dump()) * 2
    return length + 2 * (length // 4)


def trusted_certificates() -> list:
    """The portal's signing certificate and the earlier ones it still vouches for."""
    from pyhanko.keys import load_cert_from_pemder

    paths = [settings.LETTER_SIGNING_CERT, *settings.LETTER_SIGNING_TRUSTED_CERTS]
    certs = []
    for path in paths:
        if path and Path(path).is_file():
            certs.append(load_cert_from_pemder(path))
    return certs


def verify_pdf(pdf: bytes, *, trusted: list) -> SignatureCheck:
    """Check the signature embedded in `pdf` against the `trusted` certificates, offline (no
    revocation lookup: the certificates are the portal's own). Raises ValueError when `pdf`
    cannot be read as a PDF."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        raise ValueError(f"not a readable PDF: {error}") from error
    if not signatures:
        return SignatureCheck(signed=False)
    # The portal signs once: the last signature is the one that must cover the whole file.
    embedded = signatures[-1]
    context = ValidationContext(trust_roots=trusted, allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(embedded, context)
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"unreadable signature: {error}") from error
    return SignatureCheck(
        signed=True, intact=bool(status.intact and status.valid), trusted=bool(status.trusted),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signed_at=status.signer_reported_dt, signer=status.signing_cert.subject.human_friendly,
    )


DEMO_SUBJECT = "Portail des aides aux études - certificat de démonstration"


def demo_certificate_create(*, cert_path: Path, key_path: Path, now: datetime, years: int = 3) -> None:
    """Write a self-signed certificate and its private key (ECDSA P-256, PEM, key readable by
    the owner only): for development and demonstration, never for letters sent to students.
    P-256 rather than RSA: pyHanko loads the key for each signature, and checking an RSA key
    when loading it costs ~0.2 s, against ~1 ms for an EC key (ETSI TS 119 312 lists both)."""
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Portail des aides aux études (démonstration)"),
        x509.NameAttribute(NameOID.COMMON_NAME, DEMO_SUBJECT),
    ])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # Non-repudiation (content commitment): what a signature on a decision must carry.
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def sign_letter(pdf: bytes, *, authority: str, place: str = "") -> bytes:
    """Sign a letter's PDF with the configured certificate, in the name of `authority`."""
    return sign_pdf(pdf, signer=load_signer(), reason=f"Courrier émis par {authority}", location=place)
