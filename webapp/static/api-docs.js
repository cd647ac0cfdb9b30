// The API docs page: Swagger UI (bundled in static/swagger-ui/) over the app's own OpenAPI document.
window.addEventListener("load", function () {
  var node = document.getElementById("docs");
  window.ui = SwaggerUIBundle({ url: node.dataset.spec, dom_id: "#docs", deepLinking: true,
                                docExpansion: "list", defaultModelsExpandDepth: 0 });
});
