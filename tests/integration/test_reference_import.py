"""CSV imports of the reference tables, `import_reference` and `load_reference_data`."""

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from schemes.importers import (
    ImportRejected,
    oda_countries_import,
    partner_regions_import,
    pegasus_institutions_import,
    reference_data_load,
    zoning_import,
)
from schemes.models import (
    OdaCountry,
    Parameter,
    PartnerRegion,
    PegasusInstitution,
    Scheme,
    ZoningEntry,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "schemes" / "fixtures"


def zoning_rows():
    return sorted(
        ZoningEntry.objects.values_list(
            "commune_insee", "commune_name", "category", "valid_from", "valid_to"
        )
    )


def rejected_lines(call) -> list[str]:
    with pytest.raises(ImportRejected) as info:
        call()
    return [str(e) for e in info.value.errors]


# --- Good files ---------------------------------------------------------------------------
def test_good_zoning_file_with_bom_and_semicolons_is_imported():
    # As a spreadsheet saves "CSV UTF-8": BOM, ';', CRLF, upper-case category, a blank line.
    text = (
        "\ufeffcommune_insee;commune_name;category;valid_from;valid_to\r\n"
        "31555;Toulouse;NONE;2023-01-01;\r\n"
        "\r\n"
        "2A004;Ajaccio;zip;2023-01-01;2024-12-31\r\n"
    )
    result = zoning_import(source=text.encode("utf-8"))
    assert (result.created, result.updated, result.deleted) == (2, 0, 0)
    assert zoning_rows() == [
        ("2A004", "Ajaccio", "zip", date(2023, 1, 1), date(2024, 12, 31)),
        ("31555", "Toulouse", "none", date(2023, 1, 1), None),
    ]


def test_comma_file_and_quoted_names():
    text = (
        "name,country,subdivision,valid_from\n"
        '"Catalogne, Generalitat",es,es-ct,2015-09-01\n'
        "Québec,CA,CA-QC,2015-09-01\n"
        "Sénégal (tout le pays),SN,,2015-09-01\n"
    )
    result = partner_regions_import(source=io.StringIO(text))
    assert result.created == 3
    assert sorted(PartnerRegion.objects.values_list("name", "country", "subdivision")) == [
        ("Catalogne, Generalitat", "ES", "ES-CT"),
        ("Québec", "CA", "CA-QC"),
        ("Sénégal (tout le pays)", "SN", ""),
    ]


# --- Bad files: every line reported, nothing written ------------------------------------
def test_bad_lines_are_all_reported_and_nothing_is_written():
    ZoningEntry.objects.create(
        commune_insee="31069", commune_name="Blagnac", category="zip", valid_from=date(2023, 1, 1)
    )
    before = zoning_rows()
    text = (
        "commune_insee;commune_name;category;valid_from;valid_to\n"  # line 1
        "31555;Toulouse;none;2023-01-01;\n"  # 2: good
        "3155;Nulle-part;zop;2023-01-01;\n"  # 3: two bad cells
        "31069;Blagnac;none;2023-02-30;\n"  # 4: no 30 February
        "\n"  # 5: blank, skipped
        "11069;Carcassonne;zac;2024-01-01;2023-12-31\n"  # 6: ends before it starts
        "31555;Toulouse;zip;2023-01-01;\n"  # 7: same key as line 2
        "11262;;zac;01/01/2023;\n"  # 8: no name, French date
    )
    assert rejected_lines(lambda: zoning_import(source=text)) == [
        "line 3: commune_insee: code INSEE de commune attendu, 5 caractères (ex. 31555) : « 3155 »",
        "line 3: category: catégorie attendue : zip, zac ou none : « zop »",
        "line 4: valid_from: date inexistante : « 2023-02-30 »",
        "line 6: valid_to: la fin de validité précède son début (valid_from)",
        "line 7: commune_insee: doublon de la ligne 2 (commune_insee, valid_from)",
        "line 8: commune_name: valeur obligatoire",
        "line 8: valid_from: date attendue au format AAAA-MM-JJ : « 01/01/2023 »",
    ]
    assert zoning_rows() == before  # the good line 2 was not written either


def test_line_numbers_count_physical_lines_of_multiline_fields():
    text = (
        "name,country,city,active\n"
        '"ISAE-SUPAERO\n(Toulouse)",FR,Toulouse,true\n'  # one record on lines 2-3
        "Nowhere University,XX,,maybe\n"  # line 4
    )
    assert rejected_lines(lambda: pegasus_institutions_import(source=text)) == [
        "line 4: country: code pays inconnu : XX",
        "line 4: active: oui/non attendu (true, false, 1, 0) : « maybe »",
    ]
    assert not PegasusInstitution.objects.exists()


def test_countries_and_subdivisions_are_checked():
    text = (
        "name,country,subdivision,valid_from\n"
        "Catalogne,FR,ES-CT,2015-09-01\n"  # subdivision of another country
        "Atlantide,ES,ES-ZZ,2015-09-01\n"  # no such subdivision
        "Nulle part,QQ,,2015-09-01\n"
    )
    assert rejected_lines(lambda: partner_regions_import(source=text)) == [
        "line 2: subdivision: la subdivision ES-CT n'appartient pas au pays FR",
        "line 3: subdivision: subdivision inconnue : ES-ZZ",
        "line 4: country: code pays inconnu : QQ",
    ]
    assert rejected_lines(
        lambda: oda_countries_import(source="country,name,valid_from\nXK,Kosovo,2024-01-01\n")
    ) == ["line 2: country: code pays inconnu : XK"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "line 1: (fichier): fichier vide"),
        (b"   \n\n", "line 1: (fichier): fichier vide"),
        (
            # Latin-1, as an old spreadsheet saves it: the "é" of line 3 is one byte 0xe9.
            b"commune_insee,commune_name,category,valid_from\n31555,Toulouse,none,2023-01-01\n"
            b"11203,L\xe9zignan-Corbi\xe8res,zac,2023-01-01\n",
            "line 3: (fichier): fichier non encodé en UTF-8 (octet 0xe9)",
        ),
        (
            b"insee;nom;category;valid_from\n31555;Toulouse;none;2023-01-01\n",
            "line 1: (en-tête): colonnes manquantes : commune_insee, commune_name",
        ),
        (b"commune_insee,commune_name,category,valid_from\n", "(fichier): aucune ligne de donn"),
    ],
    ids=["empty", "blank", "latin-1", "missing columns", "header only"],
)
def test_file_level_problems_give_one_clear_error(content, expected):
    errors = rejected_lines(lambda: zoning_import(source=content))
    assert errors[0].startswith(expected), errors
    assert not ZoningEntry.objects.exists()


# --- Merge (upsert) and replace -----------------------------------------------------------
def test_upsert_updates_a_category_and_keeps_other_rows():
    zoning_import(
        source="commune_insee,commune_name,category,valid_from\n"
        "31069,Blagnac,none,2023-01-01\n"
        "11069,Carcassonne,zac,2023-01-01\n"
    )
    ZoningEntry.objects.create(
        commune_insee="31555", commune_name="Toulouse", category="none", valid_from=date(2023, 1, 1)
    )
    result = zoning_import(
        source="commune_insee,commune_name,category,valid_from\n"
        "31069,Blagnac,zip,2023-01-01\n"  # changed category
        "11069,Carcassonne,zac,2023-01-01\n"  # same
        "31069,Blagnac,zac,2026-01-01\n"  # a new dated row for the same commune
    )
    assert (result.created, result.updated, result.unchanged, result.deleted) == (1, 1, 1, 0)
    assert sorted((r[0], r[3], r[2]) for r in zoning_rows()) == [
        ("11069", date(2023, 1, 1), "zac"),
        ("31069", date(2023, 1, 1), "zip"),
        ("31069", date(2026, 1, 1), "zac"),
        ("31555", date(2023, 1, 1), "none"),  # not in the file: left alone
    ]


def test_replace_mode_makes_the_file_the_whole_table():
    oda_countries_import(
        source="country,name,valid_from\nSN,Senegal,2024-01-01\nCL,Chile,2014-01-01\n"
    )
    result = oda_countries_import(
        source="country,name,valid_from,valid_to\nSN,Senegal,2024-01-01,\nNR,Nauru,2024-01-01,2025-12-31\n",
        replace=True,
    )
    assert (result.created, result.updated, result.deleted) == (2, 0, 2)
    assert sorted(OdaCountry.objects.values_list("country", "valid_to")) == [
        ("NR", date(2025, 12, 31)),
        ("SN", None),
    ]


def test_replace_with_a_bad_file_keeps_the_table():
    pegasus_institutions_import(source="name,country\nTU Delft,NL\n")
    with pytest.raises(ImportRejected):
        pegasus_institutions_import(source="name,country\nKTH,SEE\n", replace=True)
    assert list(PegasusInstitution.objects.values_list("name", flat=True)) == ["TU Delft"]


def test_pegasus_upsert_by_name():
    pegasus_institutions_import(source="name,country,city\nKTH,SE,Stockholm\n")
    result = pegasus_institutions_import(source="name,country,city,active\nKTH,SE,Stockholm,non\n")
    assert (result.created, result.updated) == (0, 1)
    assert PegasusInstitution.objects.get(name="KTH").active is False


# --- Shipped fixtures ---------------------------------------------------------------------
def test_shipped_fixtures_are_valid_and_cover_the_required_communes():
    results = {r.table: r for r in reference_data_load()}
    assert results["zoning"].created >= 60 and results["oda"].created >= 140
    for insee in ("31069", "31555", "11069", "11262"):
        assert ZoningEntry.objects.filter(commune_insee=insee).exists(), insee
    assert PartnerRegion.objects.filter(subdivision="ES-CT").exists()
    assert PegasusInstitution.objects.filter(name__startswith="ISAE-SUPAERO").exists()
    assert OdaCountry.objects.valid_on(date(2025, 3, 1)).filter(country="SN").exists()
    assert not OdaCountry.objects.valid_on(date(2026, 3, 1)).filter(country="NR").exists()
    assert not OdaCountry.objects.filter(country__in=["FR", "DE", "CL"]).exists()


def table_snapshot():
    return {
        model.__name__: sorted(
            (
                tuple(v for k, v in row.items() if k not in ("id", "created_at"))
                for row in model.objects.values()
            ),
            key=repr,
        )
        for model in (ZoningEntry, PartnerRegion, OdaCountry, PegasusInstitution, Parameter)
    }


def test_load_reference_data_twice_changes_nothing_and_keeps_admin_changes():
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    assert "zoning:" in out.getvalue() and "parameters:" in out.getvalue()

    # What an administrator does in the admin between two restarts.
    horizons = Scheme.objects.get(code="horizons")
    rate = Parameter.objects.get(scheme=horizons, key="weekly_rate", valid_from=date(2015, 9, 1))
    rate.value = "75.00"
    rate.save()
    ZoningEntry.objects.filter(commune_insee="31069").update(category="zac")
    PegasusInstitution.objects.create(name="Institut ajouté à la main", country="BE")
    Parameter.objects.filter(scheme=horizons, key="advance_rate").delete()

    call_command("load_reference_data", stdout=io.StringIO())
    snapshot = table_snapshot()
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)

    assert table_snapshot() == snapshot
    assert " 0 created" in out.getvalue() and "0 updated" in out.getvalue()
    assert all(" 0 created, 0 updated" in line for line in out.getvalue().splitlines())
    rate.refresh_from_db()
    assert rate.value == "75.00"  # never overwritten
    assert ZoningEntry.objects.get(commune_insee="31069").category == "zac"
    assert PegasusInstitution.objects.filter(name="Institut ajouté à la main").exists()
    # A missing fixture parameter is put back.
    assert Parameter.objects.filter(scheme=horizons, key="advance_rate").count() == 1


def test_load_reference_data_update_existing_restores_the_shipped_rows():
    call_command("load_reference_data", stdout=io.StringIO())
    ZoningEntry.objects.filter(commune_insee="31069").update(category="zac")
    call_command("load_reference_data", "--update-existing", stdout=io.StringIO())
    shipped = (FIXTURES / "zoning_ars_occitanie.csv").read_text(encoding="utf-8")
    line = next(x for x in shipped.splitlines() if x.startswith("31069,"))
    assert ZoningEntry.objects.get(commune_insee="31069").category == line.split(",")[2]


# --- The command --------------------------------------------------------------------------
BAD_FILE = (
    "commune_insee;commune_name;category;valid_from\n"
    "31555;Toulouse;none;2023-01-01\n"
    "31O69;Blagnac;none;2023-01-01\n"
    "11069;Carcassonne;zac;2023-1-1\n"
)


def test_command_exits_2_with_each_problem_on_stderr(tmp_path):
    path = tmp_path / "zonage.csv"
    path.write_text(BAD_FILE, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_reference", "zoning", str(path), stdout=out, stderr=err)
    assert info.value.returncode == 2
    assert out.getvalue() == ""
    assert err.getvalue().splitlines() == [
        "line 3: commune_insee: code INSEE de commune attendu, 5 caractères (ex. 31555) "
        ": « 31O69 »",
        "line 4: valid_from: date attendue au format AAAA-MM-JJ : « 2023-1-1 »",
    ]
    assert not ZoningEntry.objects.exists()


def test_command_imports_and_prints_the_counts(tmp_path):
    path = tmp_path / "oda.csv"
    path.write_text("country,name,valid_from\nSN,Sénégal,2024-01-01\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_reference", "oda", str(path), stdout=out)
    assert out.getvalue().strip() == "oda: 1 created, 0 updated, 0 unchanged, 0 deleted"
    path.write_text("country,name,valid_from\nML,Mali,2024-01-01\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_reference", "oda", str(path), "--replace", stdout=out)
    assert "1 created" in out.getvalue() and "1 deleted" in out.getvalue()
    assert list(OdaCountry.objects.values_list("country", flat=True)) == ["ML"]


def test_real_process_exit_status_is_2(tmp_path):
    # The status the shell sees: CommandError(returncode=2) must become exit(2), with the
    # messages on stderr and no traceback. The file is rejected before any database access.
    path = tmp_path / "bad.csv"
    path.write_text(BAD_FILE, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "manage.py", "import_reference", "zoning", str(path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=120,
    )
    assert completed.returncode == 2, completed.stderr
    assert completed.stdout == ""
    assert "line 3: commune_insee:" in completed.stderr
    assert "line 4: valid_from:" in completed.stderr
    assert "Traceback" not in completed.stderr


# A NUL byte in a cell: PostgreSQL refuses it in text (the import crashed with a 500-like
# traceback), SQLite stores it silently. Either way the line is reported and nothing is written.
NUL_FILE = (
    "commune_insee,commune_name,category,valid_from\n"
    "31555,Toulouse,zac,2023-01-01\n"
    "31069,Blag\x00nac,none,2023-01-01\n"
    "11069,Carcassonne,zac,2023-01-01\n"
    "11008,Alet\x00,zip,2023-01-01\n"
)


@pytest.mark.parametrize("replace", [False, True])
def test_nul_byte_is_reported_by_line_and_nothing_is_written(tmp_path, replace):
    ZoningEntry.objects.create(
        commune_insee="31555", commune_name="Toulouse", category="zip", valid_from=date(2023, 1, 1)
    )
    before = zoning_rows()
    path = tmp_path / "zonage.csv"
    path.write_bytes(NUL_FILE.encode("utf-8"))
    out, err = io.StringIO(), io.StringIO()
    args = ["import_reference", "zoning", str(path)] + (["--replace"] if replace else [])
    with pytest.raises(CommandError) as info:
        call_command(*args, stdout=out, stderr=err)
    assert info.value.returncode == 2
    assert out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["line 3", "line 5"]
    assert "NUL" in lines[0]
    assert zoning_rows() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="NUL in text is refused by PostgreSQL only")
def test_nul_byte_on_postgresql_exits_2_instead_of_crashing(tmp_path):
    # The database itself refuses the value (what crashed the import before the check) ...
    with pytest.raises(ValueError), transaction.atomic():
        ZoningEntry.objects.create(
            commune_insee="31069", commune_name="Blag\x00nac", category="none", valid_from=date(2023, 1, 1)
        )
    # ... so the importer must stop the file before writing, line by line.
    path = tmp_path / "zonage.csv"
    path.write_bytes(NUL_FILE.encode("utf-8"))
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_reference", "zoning", str(path), stdout=io.StringIO(), stderr=err)
    assert info.value.returncode == 2
    assert err.getvalue().splitlines()[0].startswith("line 3: (fichier): caractère NUL")
    assert not ZoningEntry.objects.exists()
