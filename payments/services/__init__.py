"""Writes of the money side, by theme: planning a decision's instalments (plans.py), payment runs
and the ledger (runs.py), the Horizons balance (balance.py) and recovery (recovery.py). Callers
import from here: `from payments import services`.

Lock order: the run, then applications by pk, then instalments by pk. Amounts are Decimal; every
movement is a LedgerEntry plus an Account update in the same transaction, which the database's
CHECK constraints guard."""

from .balance import *  # noqa: F403
from .controls import *  # noqa: F403
from .plans import *  # noqa: F403
from .recovery import *  # noqa: F403
from .runs import *  # noqa: F403
