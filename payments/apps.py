from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Paiements")

    def ready(self):
        # The decisions app announces each decision it records (decisions.signals); payments plans
        # its instalments in the same transaction. A signal, so that decisions never imports us.
        from decisions.signals import decision_recorded

        from .receivers import plan_payments_on_decision

        decision_recorded.connect(plan_payments_on_decision, dispatch_uid="payments.plan_on_decision")
