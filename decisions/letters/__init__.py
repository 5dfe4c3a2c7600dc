"""Letters: what each one says (context.py: `letter_context`, pure JSON stored with the letter),
and issuing, sending and accepting them (issue.py). The letters of a decision and the answers to
appeals and reported changes are issued by decisions.tasks after commit; the student accepts an
Aude agreement or a Haute-Garonne commitment online.

A letter's context is pure JSON data and is stored with it; rendering the stored context again
gives the same unsigned PDF byte for byte (`letter_render_pdf`). The stored letter is that PDF
signed by the authority (applications.signing): the signature and the stored SHA-256 prove it.
Letters are dated the day of the decision; the 2-month appeal period runs from their
notification, the day they are made available and e-mailed (Horizons Art. 8 and 13).
"""

from .context import *  # noqa: F403
from .context import _aid_label  # noqa: F401 (the formal notice names the aid the same way)
from .issue import *  # noqa: F403
