"""The demo data's content: declared situations in the simulation contract's input format, a
small PDF to upload, and the accounts of each role (used by `manage.py seed_demo` and the tests'
factories). Demo data only: never to be loaded into a production database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DEMO_PASSWORD = "motdepasse-demo-2026"


# --- Declared situations (the simulation contract's input format) -----------------------------
def _monday_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7 or 7)


def mobility_start(today: date) -> date:
    """A start date that a file submitted today can meet: after today (Art. 5: submitted before
    the mobility starts), and not in July or August, whose academic year ends on 30 June before
    the mobility (the submission deadline would already be past)."""
    start = _monday_after(today + timedelta(days=45))
    if start.month in (7, 8):
        start = _monday_after(date(start.year, 8, 31))
    return start


def situation(scheme: str, *, today: date, variant: int = 0) -> tuple[str, dict]:
    """(aid, data) of a plausible, valid situation for `scheme`, with dates after `today`.
    `variant` picks among a few typical profiles (Horizons: grant or chèques)."""
    start = mobility_start(today)
    if scheme == "aude":
        return "", {
            "student": {
                "cycle": 2,
                "faculty": ("toulouse", "montpellier")[variant % 2],
                "passed_first_year_exam": True,
            },
            "internship": {
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(weeks=13) - timedelta(days=1)).isoformat(),
                "specialty": "general_medicine",
                "supervisor_commune_insee": ("11069", "11262")[variant % 2],  # Carcassonne, Narbonne
                "zone": "zac",
            },
        }
    if scheme == "haute-garonne":
        return "", {
            "student": {
                "cycle": 3,
                "specialty": "general_medicine",
                "scholarship_holder": True,
                "social_precarity": False,
            },
            "internship": {
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(weeks=26) - timedelta(days=1)).isoformat(),
                "commune_insee": ("31069", "31395")[variant % 2],  # Cazères, Montréjeau
                "zone": "zip",
            },
        }
    other_aid = {"erasmus": False, "other_collectivity_grant": False, "crous_mobility_aid": False}
    student = {"establishment_in_region": True, "recognised_diploma": True, "apprentice": False}
    profiles = [
        (
            "grant",
            {"level": "M1", "scholarship_holder": True},
            {"kind": "study", "weeks": 16, "country": "DE"},
        ),
        (
            "grant",
            {"level": "L3", "scholarship_holder": True},
            {"kind": "internship", "weeks": 13, "country": "IE"},
        ),
        (
            "eurocampus",
            {"level": "M2", "scholarship_holder": False},
            {
                "kind": "study",
                "weeks": 16,
                "country": "ES",
                "subdivision": "ES-CT",
                "ects_credits": 30,
                "host_independent": True,
            },
        ),
        (
            "cooperation",
            {"level": "DUT", "scholarship_holder": False},
            {"kind": "internship", "weeks": 8, "country": "DE", "partner_region": True},
        ),
    ]
    aid, level, mobility = profiles[variant % len(profiles)]
    mobility = dict(mobility)
    weeks = mobility.pop("weeks")
    return aid, {
        "student": {**student, **level},
        "mobility": {
            **mobility,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(weeks=weeks) - timedelta(days=3)).isoformat(),  # a Friday
            "in_curriculum": True,
        },
        "other_aid": other_aid,
    }


def demo_pdf(text: str) -> bytes:
    """A one-page PDF showing `text` (ASCII-folded), small enough to build by hand."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.replace("\\", "").replace("(", "[").replace(")", "]")
    stream = f"BT /F1 14 Tf 56 780 Td (Piece de demonstration) Tj 0 -24 Td ({ascii_text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- Accounts ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    role: str
    email: str
    first_name: str
    last_name: str
    authority: str = ""  # Authority.code, for officers
    establishment: str = ""  # Establishment.uai, for establishment staff
    superuser: bool = False


# The services' e-mail addresses, which the acknowledgement of receipt gives (CRPA R112-11-1):
# each authority enters its own in the admin; the demo fills the empty ones with fictitious ones.
AUTHORITY_EMAILS = {
    "region-occitanie": "bourses-mobilite@region.example.org",
    "cd11": "aide-etudiants-medecine@aude.example.org",
    "cd31": "aide-jeune-medecin@haute-garonne.example.org",
}

ESTABLISHMENTS = [
    # (UAI, name, city)
    ("0311382J", "Université Toulouse Capitole", "Toulouse"),
    ("0650048Z", "IUT de Tarbes", "Tarbes"),
]

ACCOUNTS = [
    Account("Administrateur", "admin@example.org", "Alice", "Admin", superuser=True),
    Account(
        "Agent, Région Occitanie (Horizons)",
        "agent.region@example.org",
        "Rémi",
        "Garrigues",
        authority="region-occitanie",
    ),
    Account("Agent, Département de l'Aude", "agent.aude@example.org", "Odile", "Fabre", authority="cd11"),
    Account(
        "Agent, Département de la Haute-Garonne",
        "agent.cd31@example.org",
        "Hugo",
        "Castex",
        authority="cd31",
    ),
    Account(
        "Scolarité, Université Toulouse Capitole",
        "scolarite.capitole@example.org",
        "Claire",
        "Bonnet",
        establishment="0311382J",
    ),
    Account(
        "Scolarité, IUT de Tarbes",
        "scolarite.iut-tarbes@example.org",
        "Théo",
        "Lacaze",
        establishment="0650048Z",
    ),
    Account("Étudiante", "etudiante@example.org", "Léa", "Martin"),
]
STUDENT_EMAIL = "etudiante@example.org"
