"""Signals the decisions app sends to the stages after it.

`decisions_recorded` is sent inside the transaction that records decisions (a commission's, an
appeal's, an amending one: one decision; the acts of a day's incomplete-file sweep: all of them
in one send), so whatever a receiver writes commits or rolls back with them. The payments app
plans the decisions' instalments on it (payments.apps), for the whole set with a fixed number of
queries: decisions never imports payments, the layers stay one-way (docs/architecture.md).
"""

from django.dispatch import Signal

# Sent with: decisions (list of decisions.models.Decision, each with its application, whose row
# lock the sender holds; ascending application pk), today (date: the decisions' date).
decisions_recorded = Signal()
