"""Signals the decisions app sends to the stages after it.

`decision_recorded` is sent inside the transaction that records a decision (a commission's, an
appeal's or an amending one), so whatever a receiver writes commits or rolls back with it. The
payments app plans the decision's instalments on it (payments.apps): decisions never imports
payments, the layers stay one-way (docs/architecture.md).
"""

from django.dispatch import Signal

# Sent with: decision (decisions.models.Decision), today (date: the decision's date).
decision_recorded = Signal()
