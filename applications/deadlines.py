"""Deadlines of the application workflow: pure functions of dates (no clock, no ORM)."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

# Horizons Art. 5: missing documents must be added "dans les 2 mois suivant la demande".
DOCUMENTS_DELAY = relativedelta(months=2)
# Reminders go out this many days before the deadline (and once only).
REMINDER_BEFORE = timedelta(days=14)


def documents_due(requested_on: date) -> date:
    """Last day to answer a request made on `requested_on` (2 months, clipped to month end:
    a request of 31 December is due on 28/29 February)."""
    return requested_on + DOCUMENTS_DELAY


def is_expired(deadline: date, today: date) -> bool:
    """The deadline day itself is still in time."""
    return today > deadline


def reminder_due(deadline: date, today: date) -> bool:
    return deadline - REMINDER_BEFORE <= today <= deadline


# Art. 13: a recours gracieux within 2 months of the notification of the decision.
APPEAL_DELAY = relativedelta(months=2)


def appeal_deadline(notified_on: date) -> date:
    """Last day to file a recours gracieux (notified 15 January: until 15 March included)."""
    return notified_on + APPEAL_DELAY
