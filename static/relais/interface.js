// Relais: keyboard access to the drawer and quieter icons, on every full load and Turbo visit.
// A static file (no inline script), so the Content-Security-Policy stays strict.
(function () {
  "use strict";
  function fix() {
    // MDC lists keep one item tabbable (roving tabindex): make every drawer link reachable
    // with Tab, as a list of links should be.
    document.querySelectorAll(".vf-page__menu a.mdc-list-item, .vf-page__menu button.mdc-list-item")
      .forEach(function (item) { item.setAttribute("tabindex", "0"); });
    // Ligature icons are decoration: never read "arrow_drop_down" aloud.
    document.querySelectorAll("i.material-icons, span.material-icons").forEach(function (icon) {
      if (!icon.hasAttribute("aria-label")) { icon.setAttribute("aria-hidden", "true"); }
    });
  }
  // MDC moves tabindex="-1" around as focus moves in its lists: put the links back.
  var observer = new MutationObserver(function (mutations) {
    mutations.forEach(function (m) {
      var el = m.target;
      if (el.closest && el.closest(".vf-page__menu") && el.classList.contains("mdc-list-item") &&
          el.getAttribute("tabindex") !== "0") {
        el.setAttribute("tabindex", "0");
      }
    });
  });
  observer.observe(document.documentElement, { attributes: true, subtree: true, attributeFilter: ["tabindex"] });
  document.addEventListener("DOMContentLoaded", fix);
  document.addEventListener("turbo:load", fix);
  document.addEventListener("turbo:render", fix);
  // MDC initialises its lists after load and resets tabindex: run once more then.
  window.addEventListener("load", function () { window.setTimeout(fix, 0); });
})();
