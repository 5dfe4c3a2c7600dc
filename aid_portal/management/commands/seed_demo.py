"""Demo data: one account per role, and files of every scheme in every state.

Idempotent: a second run creates nothing and prints the same credentials. The files are built
through each stage's services (applications, decisions, payments), so each one carries the same event
history as a real file; the one exception is the incomplete-file rejection, which is the
nightly sweep (`incomplete_files_reject`) run on a request dated three months back.

Every demo account shares one password, printed at the end: this is demo data, never to be run
against a production database.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Establishment, EstablishmentMembership, OfficerMembership, User
from applications.models import Application
from applications.states import State
from schemes.models import Authority, Scheme

from ...demo import ACCOUNTS, AUTHORITY_EMAILS, DEMO_PASSWORD, ESTABLISHMENTS, STUDENT_EMAIL, demo_pdf, situation


class Command(BaseCommand):
    help = "Crée les comptes et les dossiers de démonstration (sans effet s'ils existent déjà)."

    def handle(self, *args, **options):
        # The demo addresses are fictitious: the notifications of the seeded history stay out of
        # any real mailbox and out of this command's output.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            with transaction.atomic():
                users = self._accounts()
                created = self._applications(users)
        self._print_credentials(created)

    # -- accounts --------------------------------------------------------------------------
    def _accounts(self) -> dict[str, User]:
        from allauth.account.models import EmailAddress

        establishments = {
            uai: Establishment.objects.get_or_create(uai=uai, defaults={"name": name, "city": city, "in_region": True})[
                0
            ]
            for uai, name, city in ESTABLISHMENTS
        }
        for code, email in AUTHORITY_EMAILS.items():
            Authority.objects.filter(code=code, email="").update(email=email)
        users: dict[str, User] = {}
        for account in ACCOUNTS:
            user, created = User.objects.get_or_create(
                email=account.email,
                defaults={
                    "username": account.email,
                    "first_name": account.first_name,
                    "last_name": account.last_name,
                    "is_staff": account.superuser,
                    "is_superuser": account.superuser,
                },
            )
            # The printed password must work: restore it if someone changed it.
            if created or not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            # Team accounts are created by us, so their addresses count as verified (allauth
            # would otherwise send a confirmation link to a fictitious address at sign-in).
            EmailAddress.objects.update_or_create(
                user=user, email=account.email, defaults={"verified": True, "primary": True}
            )
            if account.authority:
                OfficerMembership.objects.get_or_create(
                    user=user, defaults={"authority": Authority.objects.get(code=account.authority)}
                )
            if account.establishment:
                EstablishmentMembership.objects.get_or_create(
                    user=user, establishment=establishments[account.establishment]
                )
            users[account.email] = user
        return users

    # -- applications ------------------------------------------------------------------------
    def _applications(self, users: dict[str, User]) -> int:
        student = users[STUDENT_EMAIL]
        if Application.objects.filter(student=student).exists():
            return 0  # seeded already: the whole seeding is one transaction, so it is complete.
        today = timezone.localdate()
        staff = {a.establishment: users[a.email] for a in ACCOUNTS if a.establishment}
        officers = {a.authority: users[a.email] for a in ACCOUNTS if a.authority}
        count = 0
        for scheme in Scheme.objects.select_related("authority").order_by("code"):
            officer = officers.get(scheme.authority.code)
            for variant, state in enumerate(State):
                if state == State.AWAITING_OPINION and not scheme.requires_establishment_opinion:
                    continue
                uai = ESTABLISHMENTS[1][0] if scheme.code == "horizons" and variant % 4 == 3 else ESTABLISHMENTS[0][0]
                establishment = Establishment.objects.get(uai=uai) if scheme.requires_establishment_opinion else None
                self._application(
                    scheme=scheme,
                    state=state,
                    variant=variant,
                    today=today,
                    student=student,
                    establishment=establishment,
                    staff=staff.get(uai),
                    officer=officer,
                )
                count += 1
            if scheme.code == "horizons":
                # A recours gracieux against a rejection for incompleteness (Art. 5, 8 and 13).
                self._application(scheme=scheme, state=State.REJECTED_INCOMPLETE, variant=len(State), today=today,
                                  student=student, establishment=Establishment.objects.get(uai=ESTABLISHMENTS[0][0]),
                                  staff=staff.get(ESTABLISHMENTS[0][0]), officer=officer, appeal=True)
                count += 1
        return count + self._life_paths(users=users, officers=officers, staff=staff, student=student, today=today)

    # -- a file's life after the decision ------------------------------------------------------
    def _life_paths(self, *, users, officers, staff, student, today) -> int:
        """Files decided some months ago, whose stays are over, taken through what follows the
        decision by the real services: an amount derogation, a cumulation conflict, an amended
        Aude file paid, Horizons balance proofs validated and rejected, a control, a partial
        waiver. Work written to the outbox (letters, notices) is delivered at once, as the worker
        would, so that each file shows what its student and its officer would see."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from applications.services import outbox_sweep as sweep_once
        from decisions import services as decisions
        from decisions.letters import letter_accept
        from payments import services as payments

        def outbox_sweep() -> None:
            # The worker's sweep stops after 500 rows or 50 s and leaves rows younger than its
            # grace to their published message; here everything must be delivered before the
            # next step reads it, so no grace. On a database that already holds generated
            # files, the nightly sweep run below rejects their overdue files too: thousands of
            # letters.
            while sweep_once(grace_seconds=0):
                pass

        past = today - timedelta(days=300)
        schemes = {s.code: s for s in Scheme.objects.select_related("authority")}
        region, aude_agent, cd31 = officers["region-occitanie"], officers["cd11"], officers["cd31"]
        uai = ESTABLISHMENTS[0][0]
        school = Establishment.objects.get(uai=uai)

        def horizons(variant, on=past):
            return self._application(scheme=schemes["horizons"], state=State.GRANTED, variant=variant, today=on,
                                     student=student, establishment=school, staff=staff.get(uai), officer=region)

        def pdf(name):
            return SimpleUploadedFile(name, demo_pdf(name), content_type="application/pdf")

        def end_of(app):
            return date.fromisoformat(app.current_decision.snapshot["input"]["mobility"]["end_date"])

        # Balance proofs validated, and a control opened on that file afterwards (Art. 9, 12).
        validated = horizons(100)
        request = payments.balance_request_submit(
            application=validated, by=student, actual_end_date=end_of(validated), today=today,
            proofs=[(name, pdf(f"{name}.pdf")) for name in payments.balance_proofs(aid=validated.aid, kind="study")])
        payments.balance_request_review(request=request, by=region, validate=True, today=today,
                                        checked_start_date=date.fromisoformat(validated.data["mobility"]["start_date"]),
                                        checked_end_date=end_of(validated))
        payments.control_open(application=validated, by=region, reason="Contrôle sur pièces de l'usage de l'aide (art. 12).",
                              requested_items="Relevé de notes du semestre à l'étranger", today=today,
                              documents_due=today + timedelta(days=30))
        # Balance proofs rejected: the student may send others.
        rejected = horizons(101)
        request = payments.balance_request_submit(
            application=rejected, by=student, actual_end_date=end_of(rejected), today=today,
            proofs=[(name, pdf(f"{name}.pdf")) for name in payments.balance_proofs(aid=rejected.aid, kind="study")])
        payments.balance_request_review(request=request, by=region, validate=False, today=today,
                                        note="L'attestation de fin de séjour n'est pas signée par l'établissement d'accueil.")
        # The Région declares the aid lost, then waives part of the claim (Art. 10, 11).
        # A year earlier: Art. 4's 36 weeks a year are taken by the two files above.
        waived = horizons(102, on=past - timedelta(days=365))
        order = payments.aid_lost_declare(application=waived, by=region, today=today,
                                          reason="Changement d'établissement d'accueil jamais signalé (art. 10).")
        outbox_sweep()  # the formal notice, as the worker would issue it
        order.refresh_from_db()
        payments.repayment_order_decide(order=order, by=region, waive=True, amount=order.amount / 2, today=today,
                                        note="Remise partielle : frais de retour anticipé justifiés (art. 11).")
        # An amount derogation: a Haute-Garonne file granted below the text's fixed amount.
        hg = self._application(scheme=schemes["haute-garonne"], state=State.READY_FOR_DECISION, variant=103, today=past,
                               student=student, establishment=None, staff=None, officer=cd31)
        session = decisions.session_create(scheme=hg.scheme, title="Commission (dérogation)", meeting_date=past, by=cd31)
        decisions.session_add_files(session=session, applications=[hg], by=cd31, today=past)
        entry = session.entries.get()
        decisions.session_entry_record(entry=entry, outcome="granted", by=cd31, amount=entry.proposed_amount / 2,
                                       amount_derogation="Stage interrompu à mi-parcours par la faculté.")
        decisions.session_close_start(session=session, by=cd31, today=past)
        decisions.session_close_run(session_id=session.pk)
        # An Aude file amended after a change (new agreement accepted) and paid.
        aude = self._application(scheme=schemes["aude"], state=State.GRANTED, variant=104, today=past,
                                 student=student, establishment=None, staff=None, officer=aude_agent)
        outbox_sweep()  # the decision's letters
        letter_accept(letter=aude.letters.get(kind="agreement"), by=student)
        internship = aude.current_decision.snapshot["input"]["internship"]
        shorter = (date.fromisoformat(internship["end_date"]) - timedelta(days=28)).isoformat()
        report = decisions.change_report(application=aude, by=student, kind="dates", today=past + timedelta(days=50),
                                         description="Fin de stage avancée de quatre semaines.",
                                         changes={"internship": {"end_date": shorter}})
        decisions.change_review(report=report, by=aude_agent, accept=True, today=past + timedelta(days=51),
                                answer="Durée du stage réduite : montant recalculé.")
        outbox_sweep()  # the amending decision and its new agreement
        aude.refresh_from_db()
        letter_accept(letter=aude.letters.filter(kind="agreement").latest("pk"), by=student)
        due = list(payments.instalments_payable(today).filter(application=aude).values_list("pk", flat=True))
        run = payments.payment_run_create(authority=aude.scheme.authority, instalment_ids=due, by=aude_agent,
                                          execution_date=today, today=today)
        payments.payment_run_confirm(run=run, by=aude_agent, today=today)
        outbox_sweep()
        return 5

    def _application(self, *, scheme, state, variant, today, student, establishment, staff, officer,
                     appeal: bool = False) -> Application:
        from applications import services
        from decisions import services as decision_services

        # The demo student holds several granted files of one scheme: each in its own academic
        # year, since Art. 4 (one grant, one chèque, 36 weeks a year) and Aude's 3,600 EUR a year
        # count across files. The files still in progress share the first one's year, so that
        # the officer sees the cumulation warning on them.
        shift = {State.UNDER_APPEAL: 1, State.CANCELLED: 2}.get(state, 0)
        aid, data = situation(scheme.code, today=today.replace(year=today.year + shift) if (today.month, today.day) != (2, 29)
                              else today + timedelta(days=365 * shift), variant=variant)
        app = services.application_create(student=student, scheme=scheme, aid=aid, establishment=establishment)
        app = services.application_update(
            application=app,
            by=student,
            step=3,
            data=data,
            first_name=student.first_name,
            last_name=student.last_name,
            birth_date=date(2002, 4, 17),
            phone="06 12 34 56 78",
            address="12 rue des Lois\n31000 Toulouse",
            iban="FR7630006000011234567890189",
            account_holder=f"{student.first_name} {student.last_name}",
        )
        self._documents(app, student=student, variant=variant, complete=state != State.DRAFT)
        if state == State.DRAFT:
            return app
        app = services.application_submit(application=app, by=student, today=today)
        if state == State.WITHDRAWN:
            return services.application_withdraw(
                application=app, by=student, reason="J'ai obtenu une autre aide pour cette période."
            )
        if state == State.AWAITING_OPINION:
            return app
        if app.state == State.AWAITING_OPINION:
            services.opinion_record(
                application=app,
                by=staff,
                favourable=True,
                comment="Inscription vérifiée ; la mobilité fait partie du cursus.",
            )
        if state == State.AWAITING_DOCUMENTS:
            services.document_request_create(
                application=app,
                by=officer,
                items=["bank_details"],
                today=today,
                message="Merci de joindre un RIB à votre nom.",
            )
        elif state == State.REJECTED_INCOMPLETE:
            # A request left unanswered for three months: the nightly sweep rejects the file.
            services.document_request_create(
                application=app,
                by=officer,
                items=["bank_details"],
                today=today - timedelta(days=92),
                message="Merci de joindre un RIB à votre nom.",
            )
            # Horizons only (Art. 5): the rejection is a decision act with its letter. The Aude
            # and Haute-Garonne texts have no such rule: their file stays awaiting documents,
            # overdue in the officer's queue.
            services.incomplete_files_reject(today=today)
            app.refresh_from_db()
            if appeal and app.state == State.REJECTED_INCOMPLETE:
                decision_services.decision_notified(decision=app.current_decision, on=today)
                decision_services.appeal_file(
                    application=app, by=student, today=today,
                    grounds="J'avais adressé mon RIB par courrier au service le mois dernier.",
                )
        elif state == State.READY_FOR_DECISION:
            services.application_mark_ready(application=app, by=officer)
        elif state == State.CLOSED:
            services.application_close(
                application=app,
                by=officer,
                reason="Demande en double : un autre dossier couvre la même période.",
            )
        elif state in (State.GRANTED, State.REJECTED, State.UNDER_APPEAL, State.CANCELLED):
            self._decide(app, state=state, officer=officer, student=student, today=today)
        app.refresh_from_db()
        return app

    def _decide(self, app: Application, *, state, officer, student, today) -> None:
        """Take the file through a commission session of its own, then, for the states that follow
        a decision, through an appeal or a reported cancellation — all by the real services."""
        from applications import services as applications
        from decisions import services

        applications.application_mark_ready(application=app, by=officer)
        session = services.session_create(
            scheme=app.scheme, title=f"Commission de démonstration ({app.reference})", meeting_date=today, by=officer
        )
        services.session_add_files(session=session, applications=[app], by=officer, today=today)
        entry = session.entries.get()
        if state == State.REJECTED:
            services.session_entry_record(
                entry=entry, outcome="rejected", by=officer,
                motivation="Le dossier ne remplit pas les conditions du règlement.",
            )
        else:
            services.session_entry_record(
                entry=entry, outcome="granted", amount=entry.proposed_amount, by=officer
            )
        services.session_close_start(session=session, by=officer, today=today)
        services.session_close_run(session_id=session.pk)
        app.refresh_from_db()
        services.decision_notified(decision=app.current_decision, on=today)
        if app.scheme.code == "horizons" and state in (State.GRANTED, State.CANCELLED):
            self._pay_advance(app, officer=officer, today=today)
        if state == State.UNDER_APPEAL:
            services.appeal_file(
                application=app, by=student, today=today,
                grounds="Je conteste le nombre de semaines retenu : mon contrat d'études court jusqu'en décembre.",
            )
        elif state == State.CANCELLED:
            report = services.change_report(
                application=app, by=student, kind="cancellation", today=today, changes={},
                description="Mon établissement d'accueil a annulé la mobilité.",
            )
            services.change_review(report=report, by=officer, accept=True, today=today,
                                   answer="Annulation prise en compte ; l'aide est annulée.")

    def _pay_advance(self, app: Application, *, officer, today) -> None:
        """The Horizons advance (Art. 9), paid through a real run confirmed by the treasury, so
        that the ledger, the account and the authority's dashboard have figures to show."""
        from payments import services as payments

        advance = app.instalments.filter(kind="advance", status="planned")
        run = payments.payment_run_create(authority=app.scheme.authority, instalment_ids=list(advance.values_list("pk", flat=True)),
                                          by=officer, execution_date=today, today=today)
        payments.payment_run_confirm(run=run, by=officer, today=today)

    def _documents(self, app: Application, *, student, variant: int, complete: bool) -> None:
        """The required documents (Art. 5): small PDFs, and for some Horizons files a written
        explanation in place of the mobility agreement. A draft gets its first document only."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from applications import services
        from applications.documents import KINDS
        from applications.selectors import required_document_kinds

        kinds = required_document_kinds(application=app)
        for kind in kinds if complete else kinds[:1]:
            if kind == "mobility_agreement" and variant % 3 == 2:
                services.document_add(
                    application=app,
                    by=student,
                    kind=kind,
                    explanation="L'université d'accueil signe les conventions à la rentrée ; "
                    "je la transmettrai dès réception.",
                )
                continue
            upload = SimpleUploadedFile(
                f"{kind.replace('_', '-')}.pdf",
                demo_pdf(f"{KINDS[kind]} - {app.applicant_name}"),
                content_type="application/pdf",
            )
            services.document_add(application=app, by=student, kind=kind, upload=upload)

    # -- output ----------------------------------------------------------------------------------
    def _print_credentials(self, created: int) -> None:
        rows = [(a.role, a.email, DEMO_PASSWORD) for a in ACCOUNTS]
        widths = [max(len(r[i]) for r in [("Rôle", "Adresse électronique", "Mot de passe"), *rows]) for i in range(3)]
        line = "+-" + "-+-".join("-" * w for w in widths) + "-+"

        def row(cells):
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        out = [
            line,
            row(("Rôle", "Adresse électronique", "Mot de passe")),
            line,
            *(row(r) for r in rows),
            line,
        ]
        self.stdout.write("\n".join(out))
        # Progress goes to stderr so that stdout (the credentials) is the same on every run.
        self.stderr.write(
            f"seed_demo: {created} dossiers de démonstration créés."
            if created
            else "seed_demo: données de démonstration déjà présentes, rien de créé."
        )
