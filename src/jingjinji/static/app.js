// Shared page helpers. Every script of the platform is a static file (the Content-Security-Policy
// allows no inline script); a page hands its data over in <script type="application/json"> blocks
// (never executed) or data-* attributes, read here with JSON.parse.

// Run f once the page is parsed: after DOMContentLoaded, or at once when that has happened
// already (a script loaded later, e.g. by an htmx swap).
window.jjjReady = function (f) {
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", f); } else { f(); }
};

// The value of the JSON data block with this id (null when the page has none).
window.jjjData = function (id) {
  var el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
};

// Run f(root) for the page once it is parsed and again for every fragment htmx swaps in, so that
// a chart declared by data attributes draws wherever it appears.
window.jjjOnLoad = function (f) {
  if (window.htmx) { window.htmx.onLoad(f); } else { window.jjjReady(function () { f(document.body); }); }
};

// Send the CSRF token with every htmx request (the API requires it for cookie sessions).
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content"); }
});

// <select data-autosubmit> submits its form when it changes (instead of an inline onchange).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
});
