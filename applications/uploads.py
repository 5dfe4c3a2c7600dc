"""What an uploaded file is, read from its content: one check for every upload of the portal.

    content_type = upload_content_type(upload)   # or UploadRefused(message), in French

The type comes from the magic bytes (never the name nor the browser's claim), then the file must
really be one: a PDF must parse as a PDF (pypdf: an object tree with at least one page, not a
header followed by anything), an image must decode as an image (Pillow: verify, then a full load).
An image that carries something after its last byte of picture data, or a PDF inside it, is a
polyglot (a JPEG that a PDF reader opens as a document) and is refused too. Forms call this to
refuse with nothing written; the services call it again before storing.
"""

from __future__ import annotations

import io
import warnings

from django.utils.translation import gettext as _

from .documents import ALLOWED_TYPES, MAX_UPLOAD_BYTES

# Where each image format ends: nothing but padding may follow.
_JPEG_END = b"\xff\xd9"
_PNG_END = b"IEND\xaeB`\x82"
_PDF_MARK = b"%PDF-"
# ISO 32000: a reader looks for %%EOF in the last 1024 bytes of the file.
_PDF_EOF_WINDOW = 1024


class UploadRefused(ValueError):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def upload_content_type(upload) -> str:
    """The MIME type of an accepted upload; UploadRefused says why another is not accepted."""
    import filetype

    size = getattr(upload, "size", None)
    if not size:
        raise UploadRefused(_("Le fichier est vide."))
    if size > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            _("Le fichier dépasse la taille maximale de %(mb)d Mo.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise UploadRefused(_("Format non accepté : seuls les PDF, JPEG et PNG sont acceptés."))
    if kind.mime == "application/pdf":
        _check_pdf(data)
    else:
        _check_image(data, kind.mime)
    return kind.mime


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    unreadable = _("Ce fichier n'est pas un PDF lisible (fichier abîmé, ou d'un autre type renommé en .pdf).")
    if b"%%EOF" not in data[-_PDF_EOF_WINDOW:]:
        raise UploadRefused(unreadable)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about every repairable oddity
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise UploadRefused(_("Ce PDF est protégé par un mot de passe : envoyez-le sans protection."))
            pages = len(reader.pages)
    except UploadRefused:
        raise
    except FileNotDecryptedError:
        raise UploadRefused(_("Ce PDF est protégé par un mot de passe : envoyez-le sans protection.")) from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            NotImplementedError, OSError):
        # pypdf signals a broken file through many exception types; none of them is our bug.
        raise UploadRefused(unreadable) from None
    if pages < 1:
        raise UploadRefused(unreadable)


def _check_image(data: bytes, mime: str) -> None:
    from PIL import Image

    unreadable = _("Cette image ne peut pas être lue (fichier abîmé, ou d'un autre type renommé).")
    try:
        with warnings.catch_warnings():
            # A decompression bomb (a tiny file of gigapixels) is refused, not decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                decoded = Image.MIME.get(image.format or "")
                image.load()
    except Exception:  # noqa: BLE001 - Pillow raises whatever the broken decoder raises
        raise UploadRefused(unreadable) from None
    # A camera's multi-picture JPEG (MPO) is a JPEG whose first picture is the photo.
    if decoded != mime and not (mime == "image/jpeg" and decoded == "image/mpo"):
        raise UploadRefused(unreadable)
    end = _JPEG_END if mime == "image/jpeg" else _PNG_END
    if not data.rstrip(b"\x00\r\n\t ").endswith(end) or _PDF_MARK in data:
        raise UploadRefused(
            _("Cette image contient d'autres données que l'image elle-même (fichier composite) : "
              "enregistrez-la de nouveau ou envoyez un PDF.")
        )
