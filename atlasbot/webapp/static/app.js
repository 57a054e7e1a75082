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
    // Below the markers' pane, though it arrives after them.
    map.createPane("outlines").style.zIndex = 350;
    api("outlines").then(function (geojson) {
      L.geoJSON(geojson, {style: {color: "#777", weight: 1, fillColor: "#f7f4ea", fillOpacity: 1},
        interactive: false, pane: "outlines"}).addTo(map);
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

  var READINESS = {available: "#2a9d3a", standby: "#e0b000", deployed: "#1f5fbf",
    unavailable: "#a33", returning: "#777"};

  function option(select, value, text) {
    var item = document.createElement("option");
    item.value = value;
    item.textContent = text;
    select.appendChild(item);
  }

  function NetworkView(session, page) {
    var labels = session.labels;
    el("title").textContent = labels.network;
    el("capability-label").textContent = labels.capability;
    el("readiness-label").textContent = labels.readiness;
    option(el("capability"), "", labels.all);
    page.capabilities.forEach(function (c) { option(el("capability"), c[0], c[1]); });
    option(el("readiness"), "", labels.all);
    Object.keys(READINESS).forEach(function (r) { option(el("readiness"), r, r); });
    el("filters").hidden = false;
    el("map").hidden = false;
    el("network").hidden = false;
    this.page = page;
    this.labels = labels;
    this.map = L.map("map");
    baseLayer(this.map, session);
    this.layer = L.layerGroup().addTo(this.map);
    this.map.fitBounds(page.units.map(function (u) { return [u.lat, u.lon]; }),
      {padding: [20, 20]});
    var self = this;
    el("capability").onchange = el("readiness").onchange = function () { self.draw(); };
    this.draw();
  }

  NetworkView.prototype.draw = function () {
    var capability = el("capability").value;
    var readiness = el("readiness").value;
    var list = el("network");
    var labels = this.labels;
    list.innerHTML = "";
    this.layer.clearLayers();
    this.page.units.filter(function (u) {
      return (!capability || u.capabilities.indexOf(capability) >= 0) &&
        (!readiness || u.status === readiness);
    }).forEach(function (u) {
      var colour = READINESS[u.status] || OTHER;
      var duty = u.on_duty + " " + labels.on_duty +
        (u.names_shown && u.on_duty_names.length ? ": " + u.on_duty_names.join(", ") : "");
      var text = u.id + " · " + u.name + " (" + u.country + ") · " + u.status + " · " +
        u.capabilities.join(", ") + " · " + duty;
      L.circleMarker([u.lat, u.lon], {radius: 6, color: "#222", weight: 1, fillColor: colour,
        fillOpacity: 1, className: "network-marker"}).bindTooltip(text).addTo(this.layer);
      var item = document.createElement("li");
      item.dataset.unit = u.id;
      item.dataset.status = u.status;
      item.dataset.onDuty = String(u.on_duty);
      item.textContent = text;
      list.appendChild(item);
    }, this);
  };

  function dayOfYear(iso, year) {
    return (Date.parse(iso) - Date.UTC(year, 0, 1)) / 86400000;
  }

  function calendarView(session, page) {
    var labels = session.labels;
    el("title").textContent = labels.calendar;
    var box = el("calendar");
    box.hidden = false;
    var first = page.units.map(function (u) { return u[1]; }).reduce(function (a, b) {
      return a.concat(b); }, []).map(function (e) { return e.start; }).sort()[0];
    var year = first ? Number(first.slice(0, 4)) : new Date().getUTCFullYear();
    page.units.forEach(function (entry) {
      var line = document.createElement("div");
      line.className = "unit-line";
      line.dataset.unit = entry[0];
      var name = document.createElement("strong");
      name.textContent = entry[0] + " (" + year + ")";
      line.appendChild(name);
      var bar = document.createElement("div");
      bar.className = "year";
      var items = document.createElement("ul");
      if (!entry[1].length) {
        var none = document.createElement("li");
        none.textContent = labels.no_events;
        items.appendChild(none);
      }
      entry[1].forEach(function (e) {
        var span = document.createElement("span");
        span.className = "event " + e.kind;
        var from = Math.max(0, dayOfYear(e.start, year));
        var to = Math.min(366, dayOfYear(e.end, year) + 1);
        span.style.left = (100 * from / 366) + "%";
        span.style.width = (100 * Math.max(to - from, 1) / 366) + "%";
        span.title = e.title;
        bar.appendChild(span);
        var item = document.createElement("li");
        item.className = "calendar-event";
        item.textContent = e.start + " – " + e.end + " · " + e.title +
          (e.host ? " @ " + e.host : "") + " · " + e.participants.join(", ");
        items.appendChild(item);
      });
      line.appendChild(bar);
      line.appendChild(items);
      box.appendChild(line);
    });
  }

  function viewLinks(session) {
    var nav = el("views");
    [["network", session.network], ["calendar", session.calendar]].forEach(function (v) {
      if (!v[1]) { return; }
      var link = document.createElement("a");
      link.href = "?view=" + v[0] + window.location.hash;
      link.id = "open-" + v[0];
      link.textContent = session.labels[v[0]];
      nav.appendChild(link);
    });
  }

  function showBack(session) {
    var back = el("back");
    back.textContent = session.labels.back;
    back.href = "./" + window.location.hash;
    back.hidden = false;
  }

  function start() {
    if (window.Telegram && window.Telegram.WebApp && window.Telegram.WebApp.ready) {
      window.Telegram.WebApp.ready();
    }
    var query = new URLSearchParams(window.location.search);
    var crisisId = query.get("crisis");
    var view = query.get("view");
    api("session").then(function (session) {
      if (view === "network" || view === "calendar") {
        showBack(session);
        return api(view).then(function (page) {
          if (view === "network") { new NetworkView(session, page); } else { calendarView(session, page); }
        });
      }
      if (!crisisId) { listCrises(session); viewLinks(session); return; }
      showBack(session);
      el("map").hidden = false;
      el("board").hidden = false;
      new Board(session, crisisId).poll();
    }).catch(showError);
  }

  start();
}());
