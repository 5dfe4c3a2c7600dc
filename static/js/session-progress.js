// Closing a commission session: polls the progress of the closing task and updates the bar,
// then reloads the page once the session is closed. The JSON URL comes from the page
// (data-progress-url), so that no script is written inline (Content-Security-Policy).
(function () {
  var box = document.getElementById("session-progress");
  if (!box || !box.dataset.progressUrl) { return; }
  var url = box.dataset.progressUrl;
  var bar = box.querySelector(".progress-bar");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (p) {
        // Closed, or stalled (the resume button appears) or resumed since: the page says it.
        if (p.status !== "closing" || String(p.stalled) !== box.dataset.stalled) { window.location.reload(); return; }
        var pct = p.total ? Math.floor(100 * p.done / p.total) : 0;
        bar.style.width = pct + "%";
        box.setAttribute("aria-valuenow", p.done);
        document.getElementById("session-done").textContent = p.done;
        document.getElementById("session-total").textContent = p.total;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
