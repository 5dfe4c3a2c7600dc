"""The catalogue of reason codes: the message a student reads, and what they could do.

Codes are the contract's (../shared/contract/simulation.md); messages are in French because the
contract makes them so for every interface. A rule may pass a more precise message (with the
figures of the case); the catalogue's is the default.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    message: str
    advice: str


CATALOGUE: dict[str, Entry] = {
    # --- Haute-Garonne and Aude ------------------------------------------------------------
    "not_general_medicine_intern": Entry(
        "L'aide est réservée aux internes de troisième cycle des études médicales, spécialité médecine générale.",
        "Cette aide ne correspond pas à votre cursus ; renseignez-vous auprès de votre faculté sur les autres aides.",
    ),
    "resource_condition_not_met": Entry(
        "L'aide est attribuée sous condition de ressources : il faut être boursier ou en situation de précarité sociale.",
        "Si vous êtes boursier ou en précarité sociale, indiquez-le et joignez le justificatif à votre demande.",
    ),
    "internship_outside_department": Entry(
        "Le lieu de stage n'est pas situé dans le département.",
        "Vérifiez le code INSEE de la commune du stage ; seuls les stages dans le département sont aidés.",
    ),
    "zone_not_underserved": Entry(
        "La commune n'est pas classée par l'ARS Occitanie en zone d'intervention prioritaire (ZIP) "
        "ou d'action complémentaire (ZAC) à la date du début du stage.",
        "Un stage dans une commune classée ZIP ou ZAC ouvrirait droit à l'aide : consultez le zonage de l'ARS Occitanie.",
    ),
    "zone_unknown": Entry(
        "La commune ne figure pas dans le zonage de l'ARS Occitanie en vigueur au début du stage : "
        "la zone ne peut pas être vérifiée.",
        "Vérifiez le code INSEE de la commune, ou indiquez la catégorie de la zone (ZIP, ZAC) si vous la connaissez.",
    ),
    "duration_too_short": Entry(
        "La durée de la mobilité ou du stage est inférieure au minimum requis.",
        "Une période plus longue, au moins égale au minimum, ouvrirait droit à l'aide.",
    ),
    "not_second_cycle_student": Entry(
        "L'aide est réservée aux étudiants en médecine de deuxième cycle.",
        "Cette aide ne correspond pas à votre cycle d'études ; d'autres dispositifs existent pour les internes.",
    ),
    "first_year_exam_not_passed": Entry(
        "L'aide est réservée aux étudiants ayant réussi le concours de première année.",
        "Cette aide ne vous est pas encore ouverte ; elle le sera après la réussite du concours.",
    ),
    "faculty_not_eligible": Entry(
        "L'aide est réservée aux étudiants inscrits en faculté de médecine de Toulouse ou de Montpellier.",
        "Cette aide dépend de votre faculté d'inscription ; renseignez-vous auprès de votre département d'études.",
    ),
    "not_general_medicine_internship": Entry(
        "Le stage doit être un stage de médecine générale auprès d'un médecin généraliste.",
        "Seul le stage de médecine générale est aidé ; vérifiez l'intitulé de votre stage.",
    ),
    # --- Midi-Pyrénées Horizons: general conditions ---------------------------------------
    "establishment_not_in_region": Entry(
        "Il faut être inscrit dans un établissement d'enseignement supérieur de la région.",
        "Seuls les étudiants inscrits dans un établissement de la région peuvent demander cette aide.",
    ),
    "diploma_not_recognised": Entry(
        "Le diplôme préparé doit relever du système LMD ou être visé par le ministère de l'Enseignement supérieur.",
        "Demandez à votre établissement si votre diplôme est reconnu (LMD ou visa ministériel).",
    ),
    "level_not_eligible": Entry(
        "Votre niveau d'études n'est pas éligible à cette aide.",
        "Vérifiez les niveaux admis pour cette aide ; une autre aide du dispositif peut convenir à votre niveau.",
    ),
    "destination_not_abroad": Entry(
        "La mobilité doit se dérouler à l'étranger (la France et l'outre-mer français sont exclus).",
        "Seules les mobilités hors de France, outre-mer compris, sont aidées.",
    ),
    "mobility_not_in_curriculum": Entry(
        "La mobilité doit faire partie du cursus et compter pour le diplôme, dans un seul organisme "
        "et sur une période continue.",
        "Faites attester par votre établissement que la mobilité entre dans l'obtention du diplôme.",
    ),
    "submitted_after_mobility_start": Entry(
        "La demande doit être déposée avant le début de la mobilité.",
        "Déposez votre demande, même incomplète, avant le premier jour de la mobilité.",
    ),
    "submission_deadline_passed": Entry(
        "La date limite de dépôt des demandes (30 juin de l'année universitaire) est dépassée.",
        "Les demandes de l'année universitaire doivent être déposées au plus tard le 30 juin.",
    ),
    # --- Horizons grant ---------------------------------------------------------------------
    "not_scholarship_holder": Entry(
        "La bourse d'études et de stage est réservée aux étudiants boursiers sur critères sociaux.",
        "Si vous n'êtes pas boursier, un chèque forfaitaire (Coopération, Eurocampus, Pegasus, "
        "Humanitaire, Apprentis) peut vous convenir.",
    ),
    "annual_weeks_cap_reached": Entry(
        "Le plafond de 36 semaines aidées par année universitaire est déjà atteint.",
        "Aucune semaine supplémentaire ne peut être aidée cette année universitaire.",
    ),
    "internship_gratification_too_high": Entry(
        "La gratification du stage dépasse le montant mensuel minimal légal de gratification des stagiaires.",
        "La bourse de stage n'est possible que si la gratification ne dépasse pas le minimum légal.",
    ),
    "one_internship_grant_per_year": Entry(
        "Une seule bourse de stage peut être attribuée par année universitaire.",
        "Une bourse de stage vous a déjà été attribuée cette année universitaire.",
    ),
    "not_cumulable_with_erasmus": Entry(
        "Cette aide n'est pas cumulable avec une bourse Erasmus.",
        "Choisissez entre la bourse Erasmus et cette aide.",
    ),
    "not_cumulable_with_other_collectivity": Entry(
        "La bourse n'est pas cumulable avec une bourse d'une autre collectivité.",
        "Choisissez entre la bourse de l'autre collectivité et celle de la Région.",
    ),
    "not_cumulable_with_cheque": Entry(
        "La bourse n'est pas cumulable avec un chèque forfaitaire de la même année universitaire.",
        "Un chèque vous a déjà été attribué cette année universitaire.",
    ),
    # --- Horizons chèques ------------------------------------------------------------------
    "cheque_requires_non_scholarship_holder": Entry(
        "Les chèques forfaitaires sont réservés aux étudiants non boursiers.",
        "En tant que boursier, demandez plutôt la bourse d'études et de stage.",
    ),
    "one_cheque_per_year": Entry(
        "Un seul chèque peut être attribué par année universitaire.",
        "Un chèque vous a déjà été attribué cette année universitaire.",
    ),
    "not_cumulable_with_grant": Entry(
        "Un chèque ne peut pas être attribué après une bourse de la même année universitaire.",
        "Une bourse vous a déjà été attribuée cette année universitaire.",
    ),
    "cheque_requires_internship": Entry(
        "Ce chèque est réservé aux stages.",
        "Ce chèque n'aide pas les séjours d'études ; vérifiez les autres aides du dispositif.",
    ),
    "destination_not_eligible": Entry(
        "La destination n'ouvre pas droit à ce chèque.",
        "Vérifiez la liste des destinations éligibles à ce chèque (régions partenaires, Catalogne et "
        "Baléares, pays bénéficiaires de l'APD).",
    ),
    "ects_required": Entry(
        "Le séjour d'études doit donner lieu à la validation d'au moins un crédit ECTS.",
        "Faites préciser les crédits ECTS validés dans votre contrat d'études.",
    ),
    "host_not_independent": Entry(
        "L'établissement d'accueil doit être juridiquement indépendant de votre établissement "
        "d'inscription et hors de son groupe.",
        "Vérifiez le statut de l'établissement d'accueil auprès de votre service des relations internationales.",
    ),
    "pegasus_conditions_not_met": Entry(
        "La mobilité doit se dérouler dans un établissement membre du réseau Pegasus et donner lieu au Pegasus Award.",
        "Vérifiez que l'établissement d'accueil est membre du réseau Pegasus et que la mobilité prépare le Pegasus Award.",
    ),
    "not_humanitarian": Entry(
        "Le stage doit avoir un but humanitaire.",
        "Faites préciser le but humanitaire du stage dans la convention.",
    ),
    "not_apprentice": Entry(
        "Le chèque Apprentis est réservé aux titulaires d'un contrat d'apprentissage.",
        "Si vous êtes apprenti, indiquez-le et joignez votre contrat d'apprentissage.",
    ),
    "employer_contribution_too_high": Entry(
        "La prise en charge des frais de mobilité par l'employeur dépasse la moitié du montant du chèque.",
        "Le chèque n'est possible que si l'employeur prend en charge au plus la moitié de son montant.",
    ),
}
