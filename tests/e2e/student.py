"""What the student's browser journeys share: signing in, filling a step, sending the documents,
and checking the review before the submission. Every page reached goes through audit()."""

from __future__ import annotations

import re

from tests.e2e.conftest import audit

PASSWORD = "pw-demo-2026"


def sign_in(page, live_server, student, *, check=False):
    page.goto(f"{live_server.url}/comptes/login/")
    if check:
        audit(page, "login")
    page.locator("input[name=login]").fill(student.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).get_by_role("button").last.click()
    page.wait_for_url(re.compile(r"/tableau-de-bord/"))


def fill(page, values: dict) -> None:
    """Fill fields by id (`#id_<name>`): selects get select_option, check boxes and radio
    buttons a check (value True, or the radio's value), other inputs the text."""
    for name, value in values.items():
        radios = page.locator(f"input[type=radio][name={name}]")
        if radios.count():
            radios.and_(page.locator(f"[value='{value}']")).check()
            continue
        field = page.locator(f"#id_{name}")
        tag = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if tag.startswith("select"):
            field.select_option(value)
        elif tag.endswith(":checkbox"):
            field.set_checked(bool(value))
        else:
            field.fill(value)


def save_step(page, name: str, next_step: int) -> None:
    """Audit the step as filled in, then save it and wait for the next one."""
    audit(page, name)
    page.get_by_role("button", name=re.compile("Enregistrer")).click()
    page.wait_for_url(re.compile(rf"/etape/{next_step}/"))


def send_documents(page, pdf, count: int, name: str) -> None:
    """Step 4: send `count` documents, one form each, in the page's order."""
    audit(page, name)
    for _ in range(count):
        form = page.locator("form[data-document-form]").filter(has=page.get_by_role("button", name="Envoyer")).first
        form.locator("input[type=file]").set_input_files(str(pdf))
        with page.expect_navigation():  # the page comes back with this document sent
            form.get_by_role("button", name="Envoyer").click()
    assert page.get_by_role("button", name="Remplacer").count() >= count
    page.get_by_role("link", name="Continuer").click()
    page.wait_for_url(re.compile(r"/etape/5/"))


def review_and_submit(page, name: str) -> str:
    """Step 5: the review reads in French words and dates (never true/false or ISO dates),
    then the certification and the submission. Returns the review's text."""
    audit(page, name)
    review = page.locator("main").inner_text()
    assert not re.search(r"\b(true|false|True|False|None)\b", review), review
    assert not re.search(r"\d{4}-\d{2}-\d{2}", review), review
    assert "Pièces manquantes" not in review
    page.locator("input[name=certify]").check()
    page.get_by_role("button", name=re.compile("Déposer")).click()
    page.wait_for_url(re.compile(r"/confirmation/"))
    audit(page, f"{name}-confirmation")
    return review
