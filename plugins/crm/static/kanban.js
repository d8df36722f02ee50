// The opportunity kanban: drag a card to another column to move the deal to
// that stage. The move is posted with the card's version; a refusal (someone
// changed the deal meanwhile: 409) puts the card back and says why. A lost
// column first asks for the reason.
(function () {
  "use strict";
  var board, message, csrf;

  function say(text) {
    message.textContent = text;
    message.classList.toggle("d-none", !text);
  }

  function putBack(evt) {
    var list = evt.from, item = evt.item;
    var before = list.children[evt.oldIndex] || null;
    list.insertBefore(item, before === item ? item.nextSibling : before);
  }

  function askLostReason() {
    var dialog = document.getElementById("crm-lost-dialog");
    var form = document.getElementById("crm-lost-form");
    form.reset();
    return new Promise(function (resolve) {
      function done(value) {
        form.removeEventListener("submit", onSubmit);
        document.getElementById("crm-lost-cancel").removeEventListener("click", onCancel);
        dialog.removeEventListener("cancel", onCancel);
        if (dialog.open) dialog.close();
        resolve(value);
      }
      function onSubmit(e) {
        e.preventDefault();
        if (!form.reportValidity()) return;
        done(new FormData(form));
      }
      function onCancel(e) { e.preventDefault(); done(null); }
      form.addEventListener("submit", onSubmit);
      document.getElementById("crm-lost-cancel").addEventListener("click", onCancel);
      dialog.addEventListener("cancel", onCancel);
      dialog.showModal();
    });
  }

  function move(evt) {
    var card = evt.item, to = evt.to, from = evt.from;
    if (to === from) return;
    var ask = to.closest(".crm-column").dataset.kind === "lost" ? askLostReason() : Promise.resolve(new FormData());
    ask.then(function (data) {
      if (data === null) { putBack(evt); return; }
      data.append("stage_id", to.dataset.stage);
      data.append("version", card.dataset.version);
      new URLSearchParams(board.dataset.filters).forEach(function (v, k) { data.append(k, v); });
      card.classList.add("crm-busy");
      say("");
      fetch(board.dataset.move.replace(/\/0\/stage$/, "/" + card.dataset.id + "/stage"), {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"X-CSRF-Token": csrf, "Accept": "application/json"}
      }).then(function (r) {
        return r.json().then(function (body) { return {ok: r.ok, body: body}; });
      }).then(function (res) {
        card.classList.remove("crm-busy");
        if (!res.ok) { putBack(evt); say(res.body.error || res.body.title || ""); return; }
        var fresh = document.createElement("div");
        fresh.innerHTML = res.body.card.trim();
        card.replaceWith(fresh.firstElementChild);
        Object.keys(res.body.heads).forEach(function (stage) {
          var head = document.getElementById("crm-head-" + stage);
          if (head) head.innerHTML = res.body.heads[stage];
        });
      }).catch(function () {
        card.classList.remove("crm-busy");
        putBack(evt);
        say(board.dataset.failed || "");
      });
    });
  }

  function setup() {
    board = document.getElementById("crm-board");
    if (!board || !window.Sortable) return;
    message = document.getElementById("crm-board-message");
    csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
    board.querySelectorAll(".crm-cards").forEach(function (list) {
      // forceFallback: mouse and touch events rather than the browser's native
      // drag and drop, the same on desktops, tablets and phones
      Sortable.create(list, {group: "crm-board", draggable: ".crm-card", ghostClass: "crm-card-ghost",
                             forceFallback: true, fallbackOnBody: true, animation: 150, onEnd: move});
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
