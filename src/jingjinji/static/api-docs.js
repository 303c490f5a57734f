// Start Swagger UI on /api/v1/docs for the schema named by #swagger-ui[data-openapi-url].
// No validator (it would send the schema to validator.swagger.io), no external links needed.
(function () {
  var el = document.getElementById("swagger-ui");
  if (!el || !window.SwaggerUIBundle) { return; }
  window.ui = window.SwaggerUIBundle({
    url: el.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    presets: [window.SwaggerUIBundle.presets.apis],
    validatorUrl: null,
    showExtensions: true,
    // Operations folded under their domain's tag: expanded all at once, a spec of 140+ operations
    // renders only its first few tags in Swagger UI 5; a click opens one domain.
    docExpansion: "none"
  });
})();
