from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Paiements")

    def ready(self):
        # The decisions app announces the decisions it records (decisions.signals); payments plans
        # its instalments in the same transaction. A signal, so that decisions never imports us.
        from decisions.signals import decisions_recorded

        from .receivers import plan_payments_on_decisions

        decisions_recorded.connect(plan_payments_on_decisions, dispatch_uid="payments.plan_on_decisions")
