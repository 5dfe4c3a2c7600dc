// The documents step: a file chosen in a document's form but not sent with its « Envoyer »
// button would be lost on « Continuer » or « Précédent ». The first click on such a link shows
// a warning (role="alert", focused) naming the documents; a second click leaves the page.
// The texts come from the page (data attributes), so that no script is written inline (CSP).
(function () {
  var warning = document.getElementById("unsent-files-warning");
  if (!warning) { return; }
  var list = warning.querySelector("ul");
  var warned = false;
  function unsent() {
    var names = [];
    document.querySelectorAll("form[data-document-form] input[type=file]").forEach(function (input) {
      if (input.files && input.files.length) {
        var section = input.closest("section");
        var title = section ? section.querySelector("h2") : null;
        names.push((title ? title.firstChild.textContent.trim() : "") + " : " + input.files[0].name);
      }
    });
    return names;
  }
  document.querySelectorAll("a[data-unsent-guard]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var names = unsent();
      if (!names.length || warned) { return; }
      event.preventDefault();
      warned = true;
      list.replaceChildren();
      names.forEach(function (name) {
        var item = document.createElement("li");
        item.textContent = name;
        list.appendChild(item);
      });
      warning.hidden = false;
      warning.focus();
    });
  });
  // Sending a document reloads the page: nothing is pending any more.
  document.querySelectorAll("form[data-document-form] input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () { warned = false; });
  });
})();
