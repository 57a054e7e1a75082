/* The atlasbot Mini App: the crises a member may see and a crisis's live board on a map.
   Every request carries Telegram's initData; the server checks it and the member's rights. */
(function () {
  "use strict";
  var COLOURS = {pending: "#8e44ad", countered: "#8e44ad", ordered: "#e07b00",
    mobilising: "#e07b00", departed: "#1f5fbf", on_scene: "#2a9d3a", released: "#555555"};
  var OTHER = "#999999";

  function initData() {
    var tg = window.Telegram && window.Telegram.WebApp;
    if (tg && tg.initData) { return tg.initData; }
    var hash = new URLSearchParams(window.location.hash.slice(1));
    return hash.get("tgWebAppData") || "";
  }

  function api(path) {
    return fetch("api/" + path, {headers: {"X-Telegram-Init-Data": initData()}, cache: "no-store"})
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.error || String(response.status)); }
          return body;
        });
      });
  }

  function el(id) { return document.getElementById(id); }

  function showError(err) {
    el("error").textContent = err.message;
    el("error").hidden = false;
  }

  function listCrises(session) {
    var labels = session.labels;
    el("title").textContent = labels.crises;
    var list = el("crises");
    list.innerHTML = "";
    if (!session.crises.length) {
      var none = document.createElement("li");
      none.textContent = labels.no_crisis;
      list.appendChild(none);
    }
    session.crises.forEach(function (crisis) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "?crisis=" + crisis.id + window.location.hash;
      link.textContent = crisis.title;
      link.dataset.crisis = crisis.id;
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  function baseLayer(map, session) {
    if (session.tiles_url) {
      L.tileLayer(session.tiles_url, {maxZoom: 18}).addTo(map);
      return;
    }
    api("outlines").then(function (geojson) {
      L.geoJSON(geojson, {style: {color: "#777", weight: 1, fillColor: "#f7f4ea", fillOpacity: 1},
        interactive: false}).addTo(map);
    }).catch(showError);
  }

  function Board(session, crisisId) {
    this.session = session;
    this.crisisId = crisisId;
    this.count = 0;
    this.map = L.map("map", {zoomControl: true});
    this.layer = L.layerGroup().addTo(this.map);
    this.framed = false;
    baseLayer(this.map, session);
  }

  Board.prototype.draw = function (page) {
    var labels = this.session.labels;
    el("title").textContent = page.title;
    el("units-label").textContent = labels.units;
    el("timeline-label").textContent = labels.timeline;
    el("refreshed-label").textContent = labels.refreshed;
    this.layer.clearLayers();
    var points = [[page.lat, page.lon]];
    L.circleMarker([page.lat, page.lon], {radius: 10, color: "#c00", fillColor: "#f33",
      fillOpacity: 0.9, className: "crisis-marker"}).bindTooltip(page.title).addTo(this.layer);
    var list = el("units");
    list.innerHTML = "";
    page.units.forEach(function (unit) {
      var colour = COLOURS[unit.state] || OTHER;
      points.push([unit.lat, unit.lon]);
      L.polyline([[unit.lat, unit.lon], [page.lat, page.lon]], {color: colour, weight: 1,
        dashArray: "4 4", interactive: false}).addTo(this.layer);
      L.circleMarker([unit.lat, unit.lon], {radius: 7, color: "#222", weight: 1,
        fillColor: colour, fillOpacity: 1, className: "unit-marker unit-" + unit.id})
        .bindTooltip(unit.label).addTo(this.layer);
      var item = document.createElement("li");
      item.dataset.unit = unit.id;
      item.dataset.state = unit.state;
      var dot = document.createElement("span");
      dot.className = "dot";
      dot.style.background = colour;
      item.appendChild(dot);
      item.appendChild(document.createTextNode(unit.label));
      list.appendChild(item);
    }, this);
    if (!this.framed) {
      this.map.fitBounds(points, {padding: [30, 30], maxZoom: 8});
      this.framed = true;
    }
    el("timeline").textContent = page.timeline;
    this.count += 1;
    el("refreshed").textContent = new Date().toLocaleTimeString();
    el("refresh-count").textContent = String(this.count);
    document.body.dataset.state = page.status;
  };

  Board.prototype.poll = function () {
    var self = this;
    api("board/" + this.crisisId).then(function (page) {
      self.draw(page);
      el("error").hidden = true;
    }).catch(showError).then(function () {
      window.setTimeout(function () { self.poll(); }, self.session.poll_s * 1000);
    });
  };

  function start() {
    if (window.Telegram && window.Telegram.WebApp && window.Telegram.WebApp.ready) {
      window.Telegram.WebApp.ready();
    }
    var crisisId = new URLSearchParams(window.location.search).get("crisis");
    api("session").then(function (session) {
      if (!crisisId) { listCrises(session); return; }
      var back = el("back");
      back.textContent = session.labels.back;
      back.href = "./" + window.location.hash;
      back.hidden = false;
      el("map").hidden = false;
      el("board").hidden = false;
      new Board(session, crisisId).poll();
    }).catch(showError);
  }

  start();
}());
