"""Signals the applications app sends to the stages after it.

`files_rejected` is sent inside the transaction that rejects files without a commission: the
Horizons files rejected as incomplete after the 2-month deadline (Art. 5), all of a day's sweep
in one send, or the one file an officer classe sans suite. Art. 8 asks for every rejection to be
a motivated decision notified individually, with the means of appeal (Art. 13): the decisions
app, which owns decision acts and letters, connects
`decisions.receivers.decision_acts_on_files_rejected` in `DecisionsConfig.ready()` and records
the decisions in that same transaction. Applications never imports decisions: the layers stay
one-way (docs/architecture.md).

One signal for one file and for thousands, so that there is one implementation: a receiver
works on the whole set with a fixed number of queries (the sweep rejected 1,956 files at
100,000 with 14 queries each when the signal was sent file by file: bench/batch.py).
"""

from django.dispatch import Signal

# Sent with: rejections (list of (application, motivation): each application locked by the
# sender, in its new state, in ascending pk order), kind ("incomplete" or "closure": the same for
# the whole set), today (date: the acts' date), by (the officer, or None for the daily sweep).
files_rejected = Signal()
