// Progressive enhancement of the simulator: the page works without this file (every fieldset
// shown, the server ignores those of the schemes not chosen). Here we hide what does not apply
// and move the focus to the result or the error summary after a submission.
(function () {
  "use strict";
  var form = document.getElementById("simulator-form");
  if (!form) { return; }

  function checkedValue(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : "";
  }

  function update() {
    var scheme = checkedValue("scheme");
    var aidSelect = form.elements.namedItem("aid");
    var aid = aidSelect ? aidSelect.value : "";
    var kind = checkedValue("h_kind");
    form.querySelectorAll(".scheme-group[data-scheme]").forEach(function (group) {
      group.hidden = group.getAttribute("data-scheme") !== scheme;
    });
    form.querySelectorAll("[data-aids]").forEach(function (fieldset) {
      fieldset.hidden = fieldset.getAttribute("data-aids").split(" ").indexOf(aid) === -1;
    });
    form.querySelectorAll("[data-kinds]").forEach(function (fieldset) {
      if (!fieldset.hidden && kind) {
        fieldset.hidden = fieldset.getAttribute("data-kinds").split(" ").indexOf(kind) === -1;
      }
    });
    // Never hide a field the server flagged.
    form.querySelectorAll(".is-invalid").forEach(function (field) {
      for (var node = field.closest("[hidden]"); node; node = node.parentElement.closest("[hidden]")) {
        node.hidden = false;
      }
    });
  }

  form.addEventListener("change", function (event) {
    if (["scheme", "aid", "h_kind"].indexOf(event.target.name) !== -1) { update(); }
  });
  update();

  var target = document.getElementById("error-summary") || document.getElementById("result-heading");
  if (target) { target.focus(); }
})();
