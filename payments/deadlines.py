"""Deadlines of the money side (pure)."""

from datetime import date

from dateutil.relativedelta import relativedelta

# Art. 11: one month from the receipt of the formal notice to answer it.
NOTICE_ANSWER_DELAY = relativedelta(months=1)
# Art. 12: on-the-spot or documentary control within three years of the balance's payment.
CONTROL_PERIOD = relativedelta(years=3)


def notice_answer_due(received_on: date) -> date:
    return received_on + NOTICE_ANSWER_DELAY


def control_ends(balance_paid_on: date) -> date:
    return balance_paid_on + CONTROL_PERIOD
