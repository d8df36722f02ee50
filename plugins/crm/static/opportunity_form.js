// The opportunity form: customer search (tom-select), the stage's probability
// as the default, product rows added on demand.
(function () {
  "use strict";
  function setup() {
    var form = document.getElementById("crm-opportunity-form");
    if (!form) return;
    var customer = document.getElementById("f-customer_id");
    if (customer && window.TomSelect) {
      new TomSelect(customer, {
        valueField: "value", labelField: "text", searchField: ["text"], maxOptions: 30,
        placeholder: customer.dataset.placeholder, loadThrottle: 250,
        load: function (query, callback) {
          fetch(customer.dataset.search + "?q=" + encodeURIComponent(query), {headers: {"Accept": "application/json"}})
            .then(function (r) { return r.json(); }).then(callback).catch(function () { callback(); });
        }
      });
    }
    var competitors = document.getElementById("f-competitor_ids");
    if (competitors && window.TomSelect) {
      new TomSelect(competitors, {plugins: ["remove_button"], placeholder: competitors.dataset.placeholder});
    }
    var stage = document.getElementById("f-stage_id");
    var probability = document.getElementById("f-probability");
    function stageChanged() {
      var option = stage.options[stage.selectedIndex];
      if (option && probability) probability.value = option.dataset.probability;
      var lost = document.getElementById("crm-lost-fields");
      if (lost) lost.classList.toggle("border-start", option && option.dataset.kind === "lost");
    }
    if (stage) {
      stage.addEventListener("change", stageChanged);
      stage.addEventListener("htmx:afterSwap", stageChanged);
    }
    var add = document.getElementById("crm-add-product");
    if (add) {
      add.addEventListener("click", function () {
        var body = document.querySelector("#crm-products tbody");
        var row = body.rows[body.rows.length - 1].cloneNode(true);
        row.classList.remove("table-danger");
        row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
        row.cells[3].textContent = "";
        body.appendChild(row);
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
