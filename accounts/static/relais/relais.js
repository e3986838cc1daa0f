// Relais: behaviour that the Content-Security-Policy keeps out of inline attributes.
// Loaded once per full page load; Turbo visits keep the listener (event delegation).
(function () {
  if (window.relaisLoaded) return;
  window.relaisLoaded = true;
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-relais-print]")) {
      window.print();
    }
  });
})();
