// The sales documents' line editor: a product search (tom-select) on each
// row's product; the server re-renders the rows (htmx), so the selects are
// set up again after every swap.
(function () {
  "use strict";
  function setup(root) {
    var box = document.getElementById("sales-lines");
    if (!box || !window.TomSelect) return;
    var url = box.dataset.search;
    (root || box).querySelectorAll("select.sales-product").forEach(function (select) {
      if (select.tomselect) return;
      new TomSelect(select, {
        valueField: "value", labelField: "text", searchField: ["text"], maxOptions: 30,
        placeholder: select.dataset.placeholder, loadThrottle: 250, preload: "focus",
        load: function (query, callback) {
          fetch(url + "?q=" + encodeURIComponent(query), {headers: {"Accept": "application/json"}})
            .then(function (r) { return r.json(); }).then(callback).catch(function () { callback(); });
        }
      });
    });
    var customer = document.getElementById("f-customer_id");
    if (customer && customer.dataset.search && !customer.tomselect) {
      new TomSelect(customer, {
        valueField: "value", labelField: "text", searchField: ["text"], maxOptions: 30,
        placeholder: customer.dataset.placeholder, loadThrottle: 250,
        load: function (query, callback) {
          fetch(customer.dataset.search + "?q=" + encodeURIComponent(query), {headers: {"Accept": "application/json"}})
            .then(function (r) { return r.json(); }).then(callback).catch(function () { callback(); });
        }
      });
    }
  }
  document.addEventListener("htmx:afterSettle", function () { setup(); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { setup(); });
  else setup();
})();
