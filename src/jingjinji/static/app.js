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

// Refusals are shown where the form shows its result. htmx 2 swaps only 2xx answers by default,
// so a 422/403/413 with its rows and reasons would be dropped silently: swap 4xx and 5xx into
// the form's target as well (the server answers htmx requests with an HTML fragment for them).
if (window.htmx) {
  window.htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true },
    { code: "...", swap: false }
  ];
}

// An answer that is problem+json (an API route an htmx form posts to) is never swapped in as
// raw text: its title, detail and errors are written into the target as text (textContent,
// never innerHTML of server text).
document.addEventListener("htmx:beforeSwap", function (event) {
  var xhr = event.detail.xhr;
  var type = (xhr && xhr.getResponseHeader("Content-Type")) || "";
  if (type.indexOf("application/problem+json") !== 0 && type.indexOf("application/json") !== 0) { return; }
  if (xhr.status < 400) { return; }
  var problem;
  try { problem = JSON.parse(xhr.responseText); } catch (e) { problem = { title: String(xhr.status), detail: xhr.responseText }; }
  event.detail.shouldSwap = false;
  var target = event.detail.target;
  if (!target) { return; }
  var box = document.createElement("div");
  box.setAttribute("data-testid", "refusal");
  box.setAttribute("role", "alert");
  var head = document.createElement("p");
  head.className = "error";
  head.textContent = xhr.status + " · " + (problem.title || "") + (problem.detail ? ": " + problem.detail : "");
  box.appendChild(head);
  if (Array.isArray(problem.errors) && problem.errors.length) {
    var list = document.createElement("ul");
    problem.errors.slice(0, 500).forEach(function (err) {
      var item = document.createElement("li");
      var where = Array.isArray(err.loc) ? err.loc.join(".") : "";
      if (err.row !== undefined) { where = "row " + err.row + (err.column ? ", " + err.column : ""); }
      item.textContent = (where ? where + ": " : "") + (err.msg || err.reason || "");
      list.appendChild(item);
    });
    box.appendChild(list);
  }
  target.replaceChildren(box);
});
