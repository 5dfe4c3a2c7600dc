"""Signals the applications app sends to the stages after it.

`file_rejected` is sent inside the transaction that rejects a file without a commission: rejected
as incomplete after the Horizons 2-month deadline (Art. 5), or classé sans suite by an officer.
Art. 8 asks for every rejection to be a motivated decision notified individually, with the means
of appeal (Art. 13): the decisions app, which owns decision acts and letters, connects
`decisions.receivers.decision_act_on_file_rejected` in `DecisionsConfig.ready()` and records the
decision in that same transaction. Applications never imports decisions: the layers stay one-way
(docs/architecture.md).
"""

from django.dispatch import Signal

# Sent with: application (locked, in its new state), kind ("incomplete" or "closure"),
# motivation (str), today (date: the act's date), by (the officer, or None for the daily sweep).
file_rejected = Signal()
