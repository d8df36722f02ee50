/* The interactive floor plan: hover, click to open a booth's panel, highlight
   filters, drag to move or resize (snapped to the grid), draw a booth as a
   rectangle (a drag) or a polygon (click its corners). The plan keeps its
   colours (status or the heat map) through every re-render.
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
  var selectedId = null;
  function select(id) {
    selectedId = id;
    svg().querySelectorAll(".exh-selected").forEach(function (g) { g.classList.remove("exh-selected"); });
    var g = id && document.getElementById("exh-booth-" + id);
    if (g) g.classList.add("exh-selected");
  }
  function openPanel(id) {
    select(id);
    var colour = canvas().dataset.colour, query = colour && colour !== "status" ? "?colour=" + encodeURIComponent(colour) : "";
    htmx.ajax("GET", canvas().dataset.panelUrl + "/" + id + "/panel" + query, {target: "#exh-booth-panel", swap: "innerHTML"});
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
    s.classList.remove("exh-mode-sell", "exh-mode-move", "exh-mode-draw", "exh-mode-polygon");
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
    if (poly) { var p = point(e); drawPolygon([snap(p.x), snap(p.y)]); return; }
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
    body.append("x", d.now[0]); body.append("y", d.now[1]);
    body.append("width", d.now[2]); body.append("depth", d.now[3]);
    if (d.kind === "draw") {
      if (d.now[2] <= 0 || d.now[3] <= 0) return;
      var number = window.prompt(c.dataset.msgNumber);
      if (!number) return;
      body.append("number", number);
      post(c.dataset.drawUrl, body);
    } else {
      body.append("version", d.g.dataset.v);
      post(c.dataset.panelUrl + "/" + d.g.dataset.id + "/shape", body);
    }
  }
  function post(url, body) {
    var c = canvas();
    body.append("csrf_token", csrf());
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

  // ---------------------------------------------------------------- a polygon: click its corners
  var poly = null;
  function polyClick(e) {
    var p = point(e), at = [snap(p.x), snap(p.y)];
    if (!poly) {
      var shape = document.createElementNS(SVGNS, "polygon"), first = document.createElementNS(SVGNS, "circle");
      shape.setAttribute("class", "exh-ghost"); first.setAttribute("class", "exh-ghost-first");
      first.setAttribute("cx", at[0]); first.setAttribute("cy", at[1]); first.setAttribute("r", 0.35);
      svg().appendChild(shape); svg().appendChild(first);
      poly = {pts: [at], shape: shape, first: first};
    } else {
      var last = poly.pts[poly.pts.length - 1], start = poly.pts[0];
      if (at[0] === start[0] && at[1] === start[1]) { closePolygon(); return; }
      if (at[0] === last[0] && at[1] === last[1]) return;  // the second click of a double-click
      poly.pts.push(at);
    }
    drawPolygon(at);
  }
  function drawPolygon(cursor) {
    if (!poly) return;
    poly.shape.setAttribute("points", poly.pts.concat(cursor ? [cursor] : []).map(function (q) { return q.join(","); }).join(" "));
  }
  function cancelPolygon() {
    if (!poly) return;
    poly.shape.remove(); poly.first.remove(); poly = null;
  }
  function closePolygon() {
    if (!poly) return;
    var pts = poly.pts;
    cancelPolygon();
    if (pts.length < 3) return;
    var number = window.prompt(canvas().dataset.msgNumber);
    if (!number) return;
    var body = new FormData();
    body.append("number", number);
    body.append("points", JSON.stringify(pts));
    post(canvas().dataset.drawUrl, body);
  }

  function click(e) {
    if (mode() === "polygon") { polyClick(e); return; }
    if (mode() !== "sell") return;
    var g = boothOf(e.target);
    if (g) openPanel(g.dataset.id);
  }

  // ---------------------------------------------------------------- after a status change
  document.addEventListener("exh-booths-changed", function (e) {
    // on the heat map, a change that moved the range recolours every booth: the whole canvas again
    if (e.detail.heat !== undefined && svg().dataset.heat !== e.detail.heat) { reload(); return; }
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
    if (e.detail.target && e.detail.target.id === "exh-plan-canvas") { select(selectedId); applyFilters(); }
  });

  function init() {
    var c = canvas(); if (!c) return;
    c.addEventListener("pointerdown", down);
    c.addEventListener("pointermove", moveTo);
    c.addEventListener("pointerup", up);
    c.addEventListener("pointerleave", function () { document.getElementById("exh-tip").hidden = true; });
    c.addEventListener("click", click);
    c.addEventListener("dblclick", function (e) { if (poly && mode() === "polygon") { e.preventDefault(); closePolygon(); } });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") cancelPolygon(); });
    document.querySelectorAll("#exh-plan-filters select, #exh-plan-filters input").forEach(function (el) {
      el.addEventListener("change", function () { cancelPolygon(); applyFilters(); });
    });
    applyFilters();
    if (c.dataset.selected) openPanel(c.dataset.selected);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
