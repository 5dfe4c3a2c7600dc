"""Deadlines of the application workflow: pure functions of dates (no clock, no ORM)."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

# Horizons Art. 5: missing documents must be added "dans les 2 mois suivant la demande".
DOCUMENTS_DELAY = relativedelta(months=2)
# Only the Horizons règlement (Art. 5) rejects a file still incomplete once the 2 months are over.
# The Aude (session du 22 décembre 2017) and Haute-Garonne (délibération du 27 mai 2021) texts
# have no such rule: there an unanswered request leaves the file waiting, shown to the officers
# as overdue, and is never rejected by citing another scheme's article.
INCOMPLETE_REJECTION_SCHEMES = frozenset({"horizons"})
# Reminders go out this many days before the deadline (and once only).
REMINDER_BEFORE = timedelta(days=14)


def documents_due(requested_on: date) -> date:
    """Last day to answer a request made on `requested_on` (2 months, clipped to month end:
    a request of 31 December is due on 28/29 February)."""
    return requested_on + DOCUMENTS_DELAY


def is_expired(deadline: date, today: date) -> bool:
    """The deadline day itself is still in time."""
    return today > deadline


def rejects_incomplete(scheme_code: str) -> bool:
    """Whether a file of this scheme is rejected when a document request's deadline passes."""
    return scheme_code in INCOMPLETE_REJECTION_SCHEMES


def reminder_due(deadline: date, today: date) -> bool:
    return deadline - REMINDER_BEFORE <= today <= deadline


# Art. 13: a recours gracieux within 2 months of the notification of the decision.
APPEAL_DELAY = relativedelta(months=2)


def appeal_deadline(notified_on: date) -> date:
    """Last day to file a recours gracieux (notified 15 January: until 15 March included)."""
    return notified_on + APPEAL_DELAY
