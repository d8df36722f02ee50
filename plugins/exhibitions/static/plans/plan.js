/* The interactive floor plan: hover, click to open a booth's panel, highlight
   filters, drag to move or resize (snapped to the grid) and to draw a booth.
   Plain JavaScript; the server renders the SVG and the panel (htmx). */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";

  function canvas() { return document.getElementById("exh-plan-canvas"); }
  function svg() { return document.getElementById("exh-plan-svg"); }
  function csrf() {
    var h = document.body.getAttribute("hx-headers");
    try { return JSON.parse(h)["X-CSRF-Token"]; } catch (e) { return ""; }
  }
  function mode() {
    var m = document.querySelector("input[name=exh-mode]:checked");
    return m ? m.value : "sell";
  }
  function boothOf(el) { return el && el.closest ? el.closest(".exh-booth") : null; }

  // ---------------------------------------------------------------- tooltip
  function tip(e, g) {
    var box = document.getElementById("exh-tip"), c = canvas();
    if (!g) { box.hidden = true; return; }
    var d = g.dataset, lines = [
      "<strong>" + esc(d.n) + "</strong>",
      esc(c.dataset.lArea) + ": " + esc(d.a) + " m²",
      esc(c.dataset.lType) + ": " + esc(d.t),
      esc(c.dataset.lConstruction) + ": " + esc(d.kl)];
    if (d.p) lines.push(esc(c.dataset.lPrice) + ": " + esc(d.p));
    if (d.e) lines.push(esc(c.dataset.lExhibitor) + ": " + esc(d.e));
    box.innerHTML = lines.join("<br>");
    box.hidden = false;
    box.style.left = (e.clientX + 14) + "px";
    box.style.top = (e.clientY + 14) + "px";
  }
  function esc(s) {
    return String(s || "").replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; });
  }

  // ---------------------------------------------------------------- panel
  function openPanel(id) {
    var s = svg();
    s.querySelectorAll(".exh-selected").forEach(function (g) { g.classList.remove("exh-selected"); });
    var g = document.getElementById("exh-booth-" + id);
    if (g) g.classList.add("exh-selected");
    htmx.ajax("GET", canvas().dataset.panelUrl + "/" + id + "/panel", {target: "#exh-booth-panel", swap: "innerHTML"});
  }

  // ---------------------------------------------------------------- filters
  function applyFilters() {
    var s = svg(); if (!s) return;
    var wanted = [];
    document.querySelectorAll("#exh-plan-filters select[data-attr]").forEach(function (sel) {
      if (sel.value) wanted.push([sel.dataset.attr, sel.value]);
    });
    var unpaid = document.getElementById("exh-f-unpaid");
    var onlyUnpaid = unpaid && unpaid.checked;
    s.classList.toggle("exh-filtering", wanted.length > 0 || onlyUnpaid);
    s.classList.toggle("exh-show-unpaid", onlyUnpaid);
    s.querySelectorAll(".exh-booth").forEach(function (g) {
      var ok = wanted.every(function (w) { return g.dataset[w[0]] === w[1]; });
      if (onlyUnpaid) ok = ok && g.classList.contains("exh-unpaid");
      g.classList.toggle("exh-match", ok);
    });
    s.classList.remove("exh-mode-sell", "exh-mode-move", "exh-mode-draw");
    s.classList.add("exh-mode-" + mode());
  }

  // ---------------------------------------------------------------- drag
  function point(e) {
    var s = svg(), p = s.createSVGPoint();
    p.x = e.clientX; p.y = e.clientY;
    return p.matrixTransform(s.getScreenCTM().inverse());
  }
  function snap(v) {
    var g = parseFloat(svg().dataset.grid) || 1;
    return Math.round(v / g) * g;
  }
  var drag = null;

  function down(e) {
    var s = svg(); if (!s || e.button !== 0) return;
    var m = mode(), g = boothOf(e.target), p = point(e);
    if (m === "move" && g) {
      var d = g.dataset, x = +d.x, y = +d.y, w = +d.w, h = +d.d;
      var resize = p.x > x + w * 0.75 && p.y > y + h * 0.75;  // the lower right corner resizes
      drag = {kind: resize ? "resize" : "move", g: g, start: p, box: [x, y, w, h], ghost: ghost(x, y, w, h)};
    } else if (m === "draw" && !g) {
      drag = {kind: "draw", start: p, box: [snap(p.x), snap(p.y), 0, 0], ghost: ghost(snap(p.x), snap(p.y), 0, 0)};
    } else { return; }
    e.preventDefault();
    s.setPointerCapture && s.setPointerCapture(e.pointerId);
  }
  function ghost(x, y, w, h) {
    var r = document.createElementNS(SVGNS, "rect");
    r.setAttribute("class", "exh-ghost");
    svg().appendChild(r);
    place(r, [x, y, w, h]);
    return r;
  }
  function place(r, b) {
    r.setAttribute("x", b[0]); r.setAttribute("y", b[1]);
    r.setAttribute("width", Math.max(0, b[2])); r.setAttribute("height", Math.max(0, b[3]));
  }
  function moveTo(e) {
    if (!drag) { tip(e, mode() === "sell" ? boothOf(e.target) : null); return; }
    var p = point(e), b = drag.box, dx = p.x - drag.start.x, dy = p.y - drag.start.y;
    if (drag.kind === "move") drag.now = [snap(b[0] + dx), snap(b[1] + dy), b[2], b[3]];
    else if (drag.kind === "resize") drag.now = [b[0], b[1], Math.max(snap(b[2] + dx), +svg().dataset.grid || 1), Math.max(snap(b[3] + dy), +svg().dataset.grid || 1)];
    else drag.now = [Math.min(b[0], snap(p.x)), Math.min(b[1], snap(p.y)), Math.abs(snap(p.x) - b[0]), Math.abs(snap(p.y) - b[1])];
    place(drag.ghost, drag.now);
  }
  function up() {
    if (!drag) return;
    var d = drag; drag = null;
    d.ghost.remove();
    if (!d.now) return;
    var c = canvas(), body = new FormData();
    body.append("csrf_token", csrf());
    body.append("x", d.now[0]); body.append("y", d.now[1]);
    body.append("width", d.now[2]); body.append("depth", d.now[3]);
    var url;
    if (d.kind === "draw") {
      if (d.now[2] <= 0 || d.now[3] <= 0) return;
      var number = window.prompt(c.dataset.msgNumber);
      if (!number) return;
      body.append("number", number);
      url = c.dataset.drawUrl;
    } else {
      body.append("version", d.g.dataset.v);
      url = c.dataset.panelUrl + "/" + d.g.dataset.id + "/shape";
    }
    fetch(url, {method: "POST", body: body, credentials: "same-origin",
                headers: {"Accept": "application/json", "X-CSRF-Token": csrf()}})
      .then(function (r) {
        if (r.status === 409) { window.alert(c.dataset.msgStale); return null; }
        return r.json().then(function (j) {
          if (j.errors) window.alert(Object.keys(j.errors).map(function (k) { return j.errors[k]; }).join("\n"));
        });
      })
      .finally(reload);
  }
  function reload() {
    htmx.ajax("GET", canvas().dataset.svgUrl, {target: "#exh-plan-canvas", swap: "innerHTML"});
  }

  function click(e) {
    if (mode() !== "sell") return;
    var g = boothOf(e.target);
    if (g) openPanel(g.dataset.id);
  }

  // ---------------------------------------------------------------- after a status change
  document.addEventListener("exh-booths-changed", function (e) {
    (e.detail.booths || []).forEach(function (markup) {
      var doc = new DOMParser().parseFromString('<svg xmlns="' + SVGNS + '">' + markup + "</svg>", "image/svg+xml");
      var fresh = doc.documentElement.firstElementChild;
      var old = document.getElementById(fresh.id);
      if (old) {
        var selected = old.classList.contains("exh-selected");
        old.replaceWith(document.importNode(fresh, true));
        if (selected) document.getElementById(fresh.id).classList.add("exh-selected");
      }
    });
    applyFilters();
  });
  // a refused action (409, 422) still shows its panel, with what was wrong
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "exh-booth-panel" && [409, 422].indexOf(e.detail.xhr.status) >= 0) {
      e.detail.shouldSwap = true; e.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "exh-plan-canvas") applyFilters();
  });

  function init() {
    var c = canvas(); if (!c) return;
    c.addEventListener("pointerdown", down);
    c.addEventListener("pointermove", moveTo);
    c.addEventListener("pointerup", up);
    c.addEventListener("pointerleave", function () { document.getElementById("exh-tip").hidden = true; });
    c.addEventListener("click", click);
    document.querySelectorAll("#exh-plan-filters select, #exh-plan-filters input").forEach(function (el) {
      el.addEventListener("change", applyFilters);
    });
    applyFilters();
    if (c.dataset.selected) openPanel(c.dataset.selected);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
