"""Letters: the stored PDF, for whoever may see the file, and the online acceptance of an Aude
agreement or a Haute-Garonne commitment by the file's student.

Someone who may not see the file learns nothing, not even that the letter exists: 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from applications.services import ServiceError

from ..letters import letter_accept, letter_file_name
from ..models import Letter


class LetterAcceptForm(forms.Form):
    # Kept beside its only view: a single checkbox, no model behind it.
    accept = forms.BooleanField(
        label=gettext_lazy("J'ai lu et j'accepte ce document et les engagements qu'il contient."),
        error_messages={"required": gettext_lazy("Cochez la case pour accepter le document.")},
    )


def _letter(pk: int) -> Letter:
    return get_object_or_404(Letter.objects.select_related("application__scheme__authority"), pk=pk)


class LetterPdfView(View):
    def get(self, request, pk):
        letter = _letter(pk)
        if not letter.pdf or not request.user.has_perm("applications.view_decision", letter.application):
            raise Http404
        response = FileResponse(letter.pdf.open("rb"), as_attachment=False, filename=letter_file_name(letter),
                                content_type="application/pdf")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class LetterAcceptView(View):
    template_name = "decisions/letters/accept.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.letter = _letter(kwargs["pk"])
        # Only the file's own student accepts; for anyone else the page does not exist.
        if self.letter.application.student_id != request.user.pk or not self.letter.requires_acceptance:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _page(self, request, form, status=200):
        return render(request, self.template_name, {"letter": self.letter, "doc": self.letter.context,
                                                    "form": form}, status=status)

    def get(self, request, pk):
        return self._page(request, LetterAcceptForm())

    def post(self, request, pk):
        form = LetterAcceptForm(request.POST)
        if not form.is_valid():
            return self._page(request, form)
        try:
            letter_accept(letter=self.letter, by=request.user)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("decisions:letter_accept", pk=self.letter.pk)
        messages.success(request, _("Merci : votre acceptation est enregistrée. Les versements peuvent intervenir."))
        return redirect("applications:student_application", pk=self.letter.application_id)


urlpatterns = [
    path("courriers/<int:pk>/pdf/", LetterPdfView.as_view(), name="letter_pdf"),
    path("courriers/<int:pk>/accepter/", LetterAcceptView.as_view(), name="letter_accept"),
]
