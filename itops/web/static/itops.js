/* itops: progressive enhancement only. Every page reads fully without this file.
 * Sections marked data-refresh are re-fetched every web.refresh_interval (meta
 * itops-refresh, seconds) while the tab is visible,
 * so the status board follows the checks without a manual reload. No inline script,
 * no external resource (CSP script-src 'self'). */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="itops-refresh"]');
  var REFRESH_MS = Math.max(1, parseInt(meta ? meta.content : "20", 10) || 20) * 1000;

  function refresh() {
    if (document.hidden) { return; }
    var targets = document.querySelectorAll("[data-refresh]");
    if (!targets.length) { return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok || response.redirected) { return null; }
        return response.text();
      })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        targets.forEach(function (el) {
          var fresh = doc.querySelector('[data-refresh="' + el.getAttribute("data-refresh") + '"]');
          if (fresh && fresh.innerHTML !== el.innerHTML) { el.innerHTML = fresh.innerHTML; }
        });
        var asof = doc.querySelector(".asof");
        var mine = document.querySelector(".asof");
        if (asof && mine) { mine.innerHTML = asof.innerHTML; }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // a print button only where a script can press it (hidden in the HTML otherwise)
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    if (document.querySelector("[data-refresh]")) { window.setInterval(refresh, REFRESH_MS); }
  });
})();
