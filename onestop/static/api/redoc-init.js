// Starts ReDoc on /api/redoc/ with the schema's address and the settings the page carries in data attributes.
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  Redoc.init(container.dataset.schemaUrl, JSON.parse(container.dataset.settings || "{}"), container);
})();
