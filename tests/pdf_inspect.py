"""What a test needs to know about a printed PDF, read with pyHanko's parser: its PDF/A
identification (XMP), its tags, its language and the fonts its pages use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader


@dataclass(frozen=True)
class PdfFacts:
    pdfa_part: str
    pdfa_conformance: str
    marked: bool
    lang: str
    tags: frozenset[str]
    fonts: frozenset[str]
    output_intent: str


def _tags(node, out: set[str]) -> set[str]:
    if "/S" in node:
        out.add(str(node["/S"]).lstrip("/"))
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if hasattr(kid, "get"):
            _tags(kid, out)
    return out


def pdf_facts(pdf: bytes) -> PdfFacts:
    root = PdfFileReader(BytesIO(pdf)).root
    xmp = root["/Metadata"].data.decode()
    part = re.search(r'pdfaid:part="(\d)"', xmp)
    conformance = re.search(r'pdfaid:conformance="(\w)"', xmp)
    fonts = set()
    for page in root["/Pages"]["/Kids"]:
        for font in page.get_object()["/Resources"]["/Font"].values():
            # "/ABCDEF+Portail-Sans-Bold": the subset tag apart, the family the PDF embeds.
            fonts.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    intents = root.get("/OutputIntents") or []
    return PdfFacts(
        pdfa_part=part.group(1) if part else "", pdfa_conformance=conformance.group(1) if conformance else "",
        marked=bool((root.get("/MarkInfo") or {}).get("/Marked")), lang=str(root.get("/Lang") or ""),
        tags=frozenset(_tags(root["/StructTreeRoot"], set()) if "/StructTreeRoot" in root else ()),
        fonts=frozenset(fonts), output_intent=str(intents[0]["/S"]) if intents else "",
    )


def assert_archivable_and_tagged(pdf: bytes, *, tags=("Document", "P")) -> PdfFacts:
    """PDF/A-3u, tagged, in French, printed with the shipped fonts only."""
    facts = pdf_facts(pdf)
    assert (facts.pdfa_part, facts.pdfa_conformance, facts.output_intent) == ("3", "U", "/GTS_PDFA1")
    assert facts.marked and facts.lang == "fr"
    assert set(tags) <= facts.tags, facts.tags
    assert facts.fonts and all(f.startswith(("Portail-Sans", "Portail-Mono")) for f in facts.fonts), facts.fonts
    return facts
