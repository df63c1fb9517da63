/* The tradewar page: plain JavaScript over the HTTP API (no framework, no CDN). */
"use strict";
(function () {
  var GEO_PLACEHOLDER = "__tradewar_embedded_world_geojson__";
  var PLOT_CONFIG = {displaylogo: false, responsive: true, showLink: false, showSendToCloud: false,
    toImageButtonOptions: {format: "png", scale: 2}};
  var COLUMNS = [
    ["welfare_pct", "welfare %"], ["real_gdp_pct", "real GDP %"], ["welfare_usd_bn", "welfare USD bn"],
    ["real_wage_pct", "real wage %"], ["employment_pct", "employment %"],
    ["price_index_pct", "prices %"], ["exports_gdp_change_pct", "exports/GDP %"],
    ["imports_gdp_change_pct", "imports/GDP %"]];
  var geo = null;
  var S = {datasets: [], presets: [], base: null, overrides: {}, last: null, pinned: null, sortKey: "welfare_pct",
    sortDir: -1, running: false};

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  /* A sentence in the page's language (static/i18n.js): ``msg`` is the English text and the catalogue's key,
     ``{name}`` placeholders are filled from ``args``. */
  function _(msg, args) {
    var out = window.TW_I18N ? window.TW_I18N.t(msg) : msg;
    return out.replace(/\{(\w+)\}/g, function (m, k) { return args && k in args ? String(args[k]) : m; });
  }
  function nameOf(s) { return window.TW_I18N && window.TW_I18N.name ? window.TW_I18N.name(s) : s; }
  function dateOf(s) { return window.TW_I18N && window.TW_I18N.date ? window.TW_I18N.date(s) : s; }
  function fmt(v, d) { return (v === null || v === undefined || !isFinite(v)) ? "n/a" : (v >= 0 ? "+" : "") + v.toFixed(d === undefined ? 2 : d); }

  // --- HTTP ----------------------------------------------------------------------------------
  function headers(json) {
    var h = {};
    if (json) h["Content-Type"] = "application/json";
    return h;  // a server with a token: the browser sends it (HTTP Basic, asked once) with every request
  }
  function api(method, path, body) {
    return fetch(path, {method: method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (r) {
        var ct = r.headers.get("content-type") || "";
        var p = ct.indexOf("json") >= 0 ? r.json() : r.text();
        return p.then(function (data) {
          if (!r.ok) {
            var msg = (data && data.detail) ? data.detail : ("the server answered " + r.status);
            if (r.status === 503) msg = "The server is busy; try again in a few seconds (" + msg + ")";
            var err = new Error(msg); err.status = r.status; throw err;
          }
          return data;
        });
      }, function () { throw new Error("cannot reach the tradewar server: is it still running?"); });
  }
  function pollJob(job, statusEl, onDone, onFail) {
    var bar = $("progress");
    function tick() {
      api("GET", "/api/jobs/" + job.id).then(function (j) {
        if (j.status === "done") { onDone(j); return; }
        if (j.status === "failed" || j.status === "cancelled") { onFail(new Error(j.error || j.status)); return; }
        statusEl.textContent = (j.message || j.status) + (j.progress ? " (" + Math.round(100 * j.progress) + "%)" : "");
        setTimeout(tick, 700);
      }, onFail);
    }
    if (job.status === "done") onDone(job); else tick();
  }

  // --- errors next to their controls ---------------------------------------------------------
  var ERR_IDS = ["dataset", "preset", "focus", "retaliation", "eps", "kappa", "revenue", "tariffs", "run", "bloc", "deal", "cars"];
  function clearErrors() { ERR_IDS.forEach(function (k) { $("err-" + k).textContent = ""; }); }
  function controlOf(msg) {
    var m = /key '([^']+)'/.exec(msg || "");
    var key = m ? m[1] : "";
    if (/^data\.source|^dataset/.test(key)) return "dataset";
    if (/^model\.eps/.test(key)) return "eps";
    if (/^model\.kappa/.test(key)) return "kappa";
    if (/^model\.revenue_use/.test(key)) return "revenue";
    if (/^retaliation/.test(key)) return "retaliation";
    if (/^tariffs/.test(key)) return "tariffs";
    return "run";
  }
  function plain(msg) {
    return String(msg).replace(/^scenario '[^']*': /, "").replace(/^key '[^']*'(, line \d+)?: /, "");
  }
  function showError(where, err) {
    var target = where || controlOf(err.message);
    $("err-" + target).textContent = plain(err.message);
  }

  // --- the scenario --------------------------------------------------------------------------
  function scenario() {
    var s = JSON.parse(JSON.stringify(S.base));
    s.data = Object.assign({}, s.data, {source: $("dataset").value});
    delete s.path;
    var ov = S.overrides, focus = $("focus").value;
    if (Object.keys(ov).length) {
      var layer = {type: "partner", importer: focus, rates: Object.assign({}, ov), mode: "set", name: "set on the page"};
      if (sectorChosen()) layer.sectors = [$("sector").value];
      s.tariffs = (s.tariffs || []).concat([layer]);
    }
    var r = $("retaliation").value;
    if (r) s.retaliation = Object.assign({}, s.retaliation, {rule: r});
    var model = Object.assign({}, s.model);
    if ($("eps").value !== "") model.eps = Number($("eps").value);
    if ($("kappa").value !== "") model.kappa = Number($("kappa").value);
    if ($("revenue").value) model.revenue_use = $("revenue").value;
    s.model = model;
    s.output = {countries: null};
    if (Object.keys(ov).length || r || $("eps").value !== "" || $("kappa").value !== "" || $("revenue").value) {
      s.name = s.name + "-edited";
    }
    return s;
  }
  function tomlValue(v) {
    if (v === null || v === undefined) return null;
    if (typeof v === "string") return JSON.stringify(v);
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    if (Array.isArray(v)) return "[" + v.map(tomlValue).filter(function (x) { return x !== null; }).join(", ") + "]";
    var parts = Object.keys(v).map(function (k) { var x = tomlValue(v[k]); return x === null ? null : JSON.stringify(k) + " = " + x; });
    return "{" + parts.filter(Boolean).join(", ") + "}";
  }
  function toml(s) {
    var out = [];
    ["name", "title", "notes", "date"].forEach(function (k) { if (s[k]) out.push(k + " = " + tomlValue(s[k])); });
    ["data", "model", "retaliation", "output"].forEach(function (t) {
      if (!s[t]) return;
      var lines = Object.keys(s[t]).map(function (k) { var x = tomlValue(s[t][k]); return x === null ? null : k + " = " + x; }).filter(Boolean);
      if (lines.length) out.push("", "[" + t + "]", lines.join("\n"));
    });
    (s.tariffs || []).forEach(function (ly) {
      out.push("", "[[tariffs]]");
      Object.keys(ly).forEach(function (k) {
        var v = ly[k];
        if (v === null || (Array.isArray(v) && !v.length && k === "exclude") || (k === "rates" && !Object.keys(v).length)) return;
        if (k === "mode" && v === "add") return;
        if (k === "export_tax" && v === false) return;
        out.push(k + " = " + tomlValue(v));
      });
    });
    return out.join("\n") + "\n";
  }
  function download(name, text, type) {
    var a = el("a", {href: URL.createObjectURL(new Blob([text], {type: type})), download: name});
    document.body.appendChild(a); a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  // --- URL (shareable) -----------------------------------------------------------------------
  function writeUrl() {
    var q = new URLSearchParams();
    q.set("dataset", $("dataset").value); q.set("preset", $("preset").value); q.set("focus", $("focus").value);
    if ($("retaliation").value) q.set("retaliation", $("retaliation").value);
    ["eps", "kappa"].forEach(function (k) { if ($(k).value !== "") q.set(k, $(k).value); });
    if ($("revenue").value) q.set("revenue", $("revenue").value);
    var ov = Object.keys(S.overrides).map(function (c) { return c + ":" + S.overrides[c]; }).join(",");
    if (ov) q.set("tariffs", ov);
    if (sectorChosen()) q.set("sector", $("sector").value);
    history.replaceState(null, "", "#" + q.toString());
  }
  function readUrl() {
    var q = new URLSearchParams(location.hash.replace(/^#/, ""));
    var out = {};
    q.forEach(function (v, k) { out[k] = v; });
    S.overrides = {};
    (out.tariffs || "").split(",").forEach(function (p) {
      var kv = p.split(":");
      if (kv.length === 2 && isFinite(Number(kv[1]))) S.overrides[kv[0].toUpperCase()] = Number(kv[1]);
    });
    return out;
  }

  // --- figures -------------------------------------------------------------------------------
  function withGeo(fig) {
    (fig.data || []).forEach(function (t) { if (t.geojson === GEO_PLACEHOLDER) t.geojson = geo; });
    return fig;
  }
  function seedTopojson() {
    var empty = {type: "Topology", arcs: [], objects: {}};
    ["land", "ocean", "lakes", "rivers", "countries", "coastlines", "subunits"].forEach(function (k) {
      empty.objects[k] = {type: "GeometryCollection", geometries: []};
    });
    window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
    window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};
    ["world_110m", "world_50m"].forEach(function (k) { window.PlotlyGeoAssets.topojson[k] = empty; });
  }
  function plot(id, fig) {
    // a fixed height keeps the figure's own height when the width changes (responsive resizes)
    if (fig.layout && fig.layout.height) $(id).style.height = fig.layout.height + "px";
    Plotly.react(id, fig.data, fig.layout, PLOT_CONFIG);
  }
  function diffMap(a, b) {
    var fig = JSON.parse(JSON.stringify(b.figures.map));
    var za = a.figures.map.data[0].z, zb = fig.data[0].z;
    var z = zb.map(function (v, i) { return (v === null || za[i] === null) ? null : v - za[i]; });
    var m = z.reduce(function (acc, v) { return v === null ? acc : Math.max(acc, Math.abs(v)); }, 0.01);
    fig.data[0].z = z; fig.data[0].zmin = -m; fig.data[0].zmax = m;
    fig.data[0].colorbar = {title: {text: "B − A<br>pp"}, ticksuffix: " pp", len: 0.8};
    fig.data[0].hovertemplate = "%{text}: %{z:+.3f} pp<extra></extra>";
    fig.layout.title = Object.assign({}, fig.layout.title, {text: "Difference in welfare, B (" + b.doc.scenario + ") minus A (" + a.doc.scenario + "), percentage points"});
    return withGeo(fig);
  }

  // --- tables --------------------------------------------------------------------------------
  function renderResults() {
    var r = S.last; if (!r) return;
    var focus = $("focus").value, doc = r.doc, A = S.pinned;
    var cols = COLUMNS.filter(function (c) { return Object.values(doc.countries).some(function (row) { return c[0] in row; }); });
    var extra = A ? [["__a", "A welfare %"], ["__d", "B − A pp"]] : [];
    var thead = $("result-table").tHead; thead.innerHTML = "";
    var tr = el("tr");
    [["country", "country"], ["name", "name"]].concat(cols, extra).forEach(function (c) {
      var th = el("th", {scope: "col", "class": (c[0] === "country" || c[0] === "name") ? "" : "num"});
      var b = el("button", {type: "button", "data-key": c[0]}, c[1] + (S.sortKey === c[0] ? (S.sortDir < 0 ? " ▼" : " ▲") : ""));
      th.setAttribute("aria-sort", S.sortKey === c[0] ? (S.sortDir < 0 ? "descending" : "ascending") : "none");
      b.addEventListener("click", function () {
        if (S.sortKey === c[0]) S.sortDir = -S.sortDir; else { S.sortKey = c[0]; S.sortDir = (c[0] === "country" || c[0] === "name") ? 1 : -1; }
        renderResults();
        var again = thead.querySelector("button[data-key='" + c[0] + "']"); if (again) again.focus();
      });
      th.appendChild(b); tr.appendChild(th);
    });
    thead.appendChild(tr);
    var rows = Object.keys(doc.countries).map(function (code) {
      var row = Object.assign({country: code}, doc.countries[code]);
      if (A && A.doc.countries[code]) {
        row.__a = A.doc.countries[code].welfare_pct;
        row.__d = (row.welfare_pct === null || row.__a === null) ? null : row.welfare_pct - row.__a;
      }
      return row;
    });
    var k = S.sortKey;
    rows.sort(function (x, y) {
      var a = x[k], b = y[k];
      if (typeof a === "string" || typeof b === "string") return S.sortDir * String(a).localeCompare(String(b));
      if (a === null || a === undefined) return 1; if (b === null || b === undefined) return -1;
      return S.sortDir * (a - b);
    });
    var tbody = $("result-table").tBodies[0]; tbody.innerHTML = "";
    rows.forEach(function (row) {
      var tr = el("tr", {"class": row.country === focus ? "focus" : ""});
      tr.appendChild(el("th", {scope: "row"}, row.country));
      tr.appendChild(el("td", {}, row.name));
      cols.concat(extra).forEach(function (c) {
        var v = row[c[0]];
        tr.appendChild(el("td", {"class": "num " + (v < 0 ? "neg" : v > 0 ? "pos" : "")}, fmt(v, c[0] === "__d" ? 3 : 2)));
      });
      tbody.appendChild(tr);
    });
    var f = doc.countries[focus];
    var status = doc.converged ? _("solved") : _("NOT converged");
    var took = doc.cached ? _("from the store") : _("{ms} ms", {ms: (1000 * doc.solve_seconds).toFixed(0)});
    $("summary").textContent = f ? (_("{name}: welfare {welfare}%, real wage {wage}% ({scenario}; {status} in {steps} " +
      "iterations, {time})", {name: nameOf(f.name), welfare: fmt(f.welfare_pct), wage: fmt(f.real_wage_pct), scenario: doc.scenario,
      status: status, steps: doc.steps, time: took}) +
      (A ? _(". Comparing with A = {scenario} ({label}).", {scenario: A.doc.scenario, label: A.label}) : "")) : "";
  }
  function renderTariffTable() {
    var focus = $("focus").value;
    document.querySelectorAll(".focus-name").forEach(function (e) { e.textContent = focus; });
    var tf = S.last && S.last.figures && S.last.figures.tariffs ? S.last.figures.tariffs : null;
    var bySector = tf && tf.on_imports_from_by_sector && sectorChosen() ? tf.on_imports_from_by_sector[$("sector").value] : null;
    var last = bySector || (tf ? tf.on_imports_from : {});
    var tbody = $("tariff-table").tBodies[0]; tbody.innerHTML = "";
    var partners = S.countries.filter(function (c) { return c[0] !== focus; });
    partners.forEach(function (c) {
      var code = c[0], set = S.overrides[code], cur = last[code];
      var tr = el("tr", {"data-partner": code});
      tr.appendChild(el("th", {scope: "row"}, c[1] + " (" + code + ")"));
      var td = el("td");
      var start = set !== undefined ? set : (cur !== undefined ? cur : 0);
      var what = sectorChosen() ? $("sector").value + " from " : "goods from ";
      var range = el("input", {type: "range", min: "0", max: "150", step: "1", value: String(Math.round(100 * start)),
        id: "t-" + code, "aria-label": "Tariff of " + focus + " on " + what + c[1] + ", percent"});
      td.appendChild(range); tr.appendChild(td);
      var out = el("td", {"class": "num set"}, set !== undefined ? (100 * set).toFixed(0) : "–");
      tr.appendChild(out);
      tr.appendChild(el("td", {"class": "num last"}, cur !== undefined ? (100 * cur).toFixed(1) : ""));
      var reset = el("button", {type: "button", "aria-label": "Reset the tariff on " + c[1]}, "reset");
      reset.disabled = set === undefined;
      var rtd = el("td"); rtd.appendChild(reset); tr.appendChild(rtd);
      range.addEventListener("input", function () {
        S.overrides[code] = Number(range.value) / 100; out.textContent = range.value; reset.disabled = false; writeUrl();
      });
      range.addEventListener("change", function () { $("err-tariffs").textContent = ""; });
      reset.addEventListener("click", function () { delete S.overrides[code]; writeUrl(); renderTariffTable(); });
      tbody.appendChild(tr);
    });
  }

  // --- actions -------------------------------------------------------------------------------
  function busy(on, msg) {
    S.running = on; $("run").disabled = on; $("progress").hidden = !on;
    $("status").textContent = msg || "";
    if (on) $("progress").removeAttribute("value");
  }
  function run() {
    if (S.running || !S.base) return Promise.resolve();
    clearErrors();
    var eps = $("eps").value, kappa = $("kappa").value;
    if (eps !== "" && !(Number(eps) > 0)) { $("err-eps").textContent = "The trade elasticity must be a number above 0."; return Promise.resolve(); }
    if (kappa !== "" && !(Number(kappa) >= 0)) { $("err-kappa").textContent = "The labour-supply elasticity must be 0 or more."; return Promise.resolve(); }
    busy(true, "solving…");
    writeUrl();
    var s = scenario();
    return api("POST", "/api/solve?figures=" + encodeURIComponent($("focus").value), s).then(function (doc) {
      S.last = {doc: doc, figures: doc.figures, id: doc.id, scenario: s};
      busy(false, "done");
      setCountries(doc);
      setSectors(doc.figures.sectors);
      $("dl-csv").disabled = false; $("dl-json").disabled = false; $("pin").disabled = false;
      plot("map", withGeo(JSON.parse(JSON.stringify(doc.figures.map))));
      plot("bars", doc.figures.bars);
      if (S.pinned) { $("diffmap").hidden = false; plot("diffmap", diffMap(S.pinned, S.last)); }
      renderResults(); renderTariffTable(); renderSectors();
      document.body.setAttribute("data-result", doc.id);
    }, function (err) { busy(false, ""); showError(null, err); });
  }
  function pin() {
    if (!S.last) return;
    S.pinned = Object.assign({label: describe()}, S.last);
    $("unpin").hidden = false;
    $("status").textContent = "Scenario A kept: change something and press Run to compare.";
    renderResults();
  }
  function unpin() { S.pinned = null; $("unpin").hidden = true; $("diffmap").hidden = true; renderResults(); }
  function describe() {
    var ov = Object.keys(S.overrides).map(function (c) { return c + " " + (100 * S.overrides[c]).toFixed(0) + "%"; });
    return $("preset").value + (ov.length ? ", " + $("focus").value + " on " + ov.join(", ") : "");
  }
  function loadPreset(name, keepDataset) {
    $("err-preset").textContent = "";
    return api("GET", "/api/presets/" + encodeURIComponent(name)).then(function (s) {
      S.base = s;
      // the preset's own world (e.g. world2022s, with sectors), unless the link chose another
      var src = s.data && s.data.source;
      if (!keepDataset && S.datasets.some(function (d) { return d.name === src; })) $("dataset").value = src;
      var p = S.presets.filter(function (x) { return x.name === name; })[0];
      $("preset-title").textContent = p ? (p.title + (p.needs_data ? _(" (needs a sectoral dataset)") : "")) : "";
    }, function (err) { showError("preset", err); });
  }
  // --- sectors (worlds with sectors: the report's sectors section, on the page) --------------------
  function sectorChosen() { return !$("sector-field").hidden && $("sector").value !== ""; }
  function setCountries(doc) {
    var codes = Object.keys(doc.countries).sort().join(",");
    if (S.countries && S.countries.map(function (c) { return c[0]; }).sort().join(",") === codes) return;
    var focus = $("focus").value;
    S.countries = Object.keys(doc.countries).map(function (c) { return [c, doc.countries[c].name]; })
      .sort(function (a, b) { return a[1].localeCompare(b[1]); });
    $("focus").innerHTML = "";
    S.countries.forEach(function (c) { $("focus").appendChild(el("option", {value: c[0]}, c[1] + " (" + c[0] + ")")); });
    $("focus").value = S.countries.some(function (c) { return c[0] === focus; }) ? focus : S.countries[0][0];
  }
  function setSectors(sec) {
    var names = sec ? sec.sectors : [];
    var have = Array.prototype.slice.call($("sector").options, 1).map(function (o) { return o.value; });
    if (have.join("|") !== names.join("|")) {
      var keep = S.wantSector !== undefined ? S.wantSector : $("sector").value;
      S.wantSector = undefined;
      $("sector").innerHTML = "";
      $("sector").appendChild(el("option", {value: ""}, "every sector"));
      names.forEach(function (n) { $("sector").appendChild(el("option", {value: n}, n)); });
      $("sector").value = names.indexOf(keep) >= 0 ? keep : "";
    }
    $("sector-field").hidden = !names.length;
    $("sectors-panel").hidden = !sec;
  }
  function renderSectors() {
    var sec = S.last && S.last.figures ? S.last.figures.sectors : null;
    if (!sec) return;
    var focus = $("focus").value, doc = S.last.doc;
    var name = doc.countries[focus] ? doc.countries[focus].name : focus;
    var car = sec.cars;
    $("cars-answer").textContent = car ? _("{name}'s car exports to the USA ({scenario}): US tariff {tariff}%, value " +
      "{change}% (USD {level} bn; 2022: {base} bn).", {name: nameOf(name), scenario: doc.scenario,
      tariff: car.tariff_pct.toFixed(1), change: fmt(car.change_pct, 1), level: car.level_usd_bn.toFixed(1),
      base: car.base_usd_bn.toFixed(1)}) : "";
    $("cars-run").hidden = !car;
    var t = $("sector-table"), cols = Object.keys(sec.output_employment);
    t.tHead.innerHTML = ""; t.tBodies[0].innerHTML = "";
    var h = el("tr");
    h.appendChild(el("th", {scope: "col"}, "sector"));
    cols.forEach(function (c) { h.appendChild(el("th", {scope: "col", "class": "num"}, c)); });
    t.tHead.appendChild(h);
    sec.sectors.forEach(function (s, i) {
      var tr = el("tr", {"class": sectorChosen() && $("sector").value === s ? "focus" : ""});
      tr.appendChild(el("th", {scope: "row"}, s));
      cols.forEach(function (c) {
        var v = sec.output_employment[c][i];
        tr.appendChild(el("td", {"class": "num " + (v < 0 ? "neg" : v > 0 ? "pos" : "")}, fmt(v, 2)));
      });
      t.tBodies[0].appendChild(tr);
    });
  }
  function carsStepByStep() {
    clearErrors();
    var focus = $("focus").value;
    $("cars-run").disabled = true; $("cars-status").textContent = "queued…";
    function done() { $("cars-run").disabled = false; $("cars-status").textContent = ""; }
    return api("POST", "/api/timeline", {country: focus, dataset: $("dataset").value}).then(function (job) {
      pollJob(job, $("cars-status"), function (j) {
        api("GET", "/api/results/" + j.id).then(function (doc) {
          done();
          var t = $("cars-table"); t.tHead.innerHTML = ""; t.tBodies[0].innerHTML = "";
          if (!doc.cars) { $("err-cars").textContent = "No car exports to the USA in this world."; return; }
          t.setAttribute("data-country", doc.cars.exporter);
          var h = el("tr");
          ["step", "date", "US tariff %", "change %", "USD bn"].forEach(function (x, i) { h.appendChild(el("th", {scope: "col", "class": i > 1 ? "num" : ""}, x)); });
          t.tHead.appendChild(h);
          doc.cars.steps.forEach(function (r) {
            var tr = el("tr");
            tr.appendChild(el("th", {scope: "row"}, r.scenario));
            tr.appendChild(el("td", {}, dateOf(r.date)));
            tr.appendChild(el("td", {"class": "num"}, r.tariff_pct.toFixed(1)));
            tr.appendChild(el("td", {"class": "num " + (r.change_pct < 0 ? "neg" : "pos")}, fmt(r.change_pct, 1)));
            tr.appendChild(el("td", {"class": "num"}, r.level_usd_bn.toFixed(1)));
            t.tBodies[0].appendChild(tr);
          });
          var cap = el("caption", {}, _("{country}: car exports to the USA, step by step (2022: USD {base} bn)",
            {country: doc.cars.exporter, base: doc.cars.base_usd_bn.toFixed(1)}));
          t.insertBefore(cap, t.tHead);
        }, function (err) { done(); showError("cars", err); });
      }, function (err) { done(); showError("cars", err); });
    }, function (err) { done(); showError("cars", err); });
  }

  function blocGame() {
    clearErrors();
    $("bloc-run").disabled = true; $("bloc-status").textContent = "queued…";
    var focus = $("focus").value;
    return api("POST", "/api/bloc", {bloc: "us-bloc-china", dataset: $("dataset").value}).then(function (job) {
      pollJob(job, $("bloc-status"), function (j) {
        api("GET", "/api/results/" + j.id).then(function (doc) {
          $("bloc-run").disabled = false; $("bloc-status").textContent = "";
          var stable = doc.stable || [];
          var c = doc.candidates[focus];
          var ans = $("bloc-answer");
          if (!c) {
            ans.textContent = _("{country} is not a candidate of this bloc (candidates: {candidates}).",
              {country: focus, candidates: Object.keys(doc.candidates).join(", ")});
          } else {
            var join = c.welfare_in_pct > c.welfare_out_pct;
            var list = stable.length ? stable.map(function (m) { return m.join(", ") || _("none"); }).join(" | ") : _("none");
            var which = stable.length ? _("stable coalition") : _("grand coalition");
            ans.textContent = (join ? _("Join.") : _("Stay out.")) + " " + _("{country}'s welfare {inside}% in the bloc vs " +
              "{outside}% outside it (the others as in the {which}; {none}% with no bloc).", {country: focus,
              inside: fmt(c.welfare_in_pct, 3), outside: fmt(c.welfare_out_pct, 3), which: which,
              none: fmt(c.no_bloc_pct, 3)}) + " " +
              (stable.length === 1 ? _("Stable coalition: {list}.", {list: list}) : _("Stable coalitions: {list}.", {list: list}));
          }
          var t = $("bloc-table"); t.tHead.innerHTML = ""; t.tBodies[0].innerHTML = "";
          var h = el("tr");
          ["candidate", "welfare % joining", "welfare % staying out", "no bloc %", "better"].forEach(function (x, i) { h.appendChild(el("th", {scope: "col", "class": i ? "num" : ""}, x)); });
          t.tHead.appendChild(h);
          Object.keys(doc.candidates).forEach(function (code) {
            var v = doc.candidates[code], tr = el("tr", {"class": code === focus ? "focus" : ""});
            tr.appendChild(el("th", {scope: "row"}, code));
            [v.welfare_in_pct, v.welfare_out_pct, v.no_bloc_pct].forEach(function (x) { tr.appendChild(el("td", {"class": "num"}, fmt(x, 3))); });
            tr.appendChild(el("td", {"class": "num"}, v.welfare_in_pct > v.welfare_out_pct ? "join" : "stay out"));
            t.tBodies[0].appendChild(tr);
          });
        });
      }, function (err) { $("bloc-run").disabled = false; $("bloc-status").textContent = ""; showError("bloc", err); });
    }, function (err) { $("bloc-run").disabled = false; $("bloc-status").textContent = ""; showError("bloc", err); });
  }
  function deal() {
    clearErrors();
    var focus = $("focus").value;
    if (focus === "USA") { $("err-deal").textContent = "Choose a focus country other than the USA for the deal."; return; }
    $("deal-run").disabled = true; $("deal-status").textContent = "queued…";
    var body = {scenario: scenario(), parties: ["USA", focus], threat: "current", instruments: "uniform", frontier: true};
    api("POST", "/api/talks", body).then(function (job) {
      pollJob(job, $("deal-status"), function (j) {
        api("GET", "/api/results/" + j.id + "?figures=true").then(function (doc) {
          $("deal-run").disabled = false; $("deal-status").textContent = "";
          if (doc.figures && doc.figures.frontier) plot("frontier", doc.figures.frontier);
          var g = doc.gains_pct || {};
          var h = doc.frontier ? doc.frontier.highest_tariff_b_accepts : null;
          $("deal-answer").textContent = _("At the Nash bargain: USA {usa} pp, {country} {gain} pp over the threat.",
            {usa: fmt(g.USA, 3), country: focus, gain: fmt(g[focus], 3)}) +
            (h && h.tariff !== null && h.tariff !== undefined ? " " + (h.capped ?
              _("The highest US tariff {country} would accept rather than the threat: {tariff}% or more.",
                {country: focus, tariff: (100 * h.tariff).toFixed(1)}) :
              _("The highest US tariff {country} would accept rather than the threat: {tariff}%.",
                {country: focus, tariff: (100 * h.tariff).toFixed(1)})) : "");
        });
      }, function (err) { $("deal-run").disabled = false; $("deal-status").textContent = ""; showError("deal", err); });
    }, function (err) { $("deal-run").disabled = false; $("deal-status").textContent = ""; showError("deal", err); });
  }

  // --- start ---------------------------------------------------------------------------------
  function init() {
    seedTopojson();
    var url = readUrl();
    if (url.sector) S.wantSector = url.sector;
    Promise.all([api("GET", "/api/datasets"), api("GET", "/api/presets"), fetch("/assets/world.geojson", {headers: headers(false)}).then(function (r) { return r.json(); })])
      .then(function (got) {
        S.datasets = got[0]; S.presets = got[1].filter(function (p) { return p.kind === "scenario"; }); geo = got[2];
        S.datasets.forEach(function (d) { $("dataset").appendChild(el("option", {value: d.name}, d.name)); });
        var dated = S.presets.filter(function (p) { return p.date; }), other = S.presets.filter(function (p) { return !p.date; });
        var g1 = el("optgroup", {label: "Dated steps of 2025"}), g2 = el("optgroup", {label: "Other scenarios"});
        dated.forEach(function (p) { g1.appendChild(el("option", {value: p.name}, p.name + (p.needs_data ? " (sectoral data)" : ""))); });
        other.forEach(function (p) { g2.appendChild(el("option", {value: p.name}, p.name + (p.needs_data ? " (sectoral data)" : ""))); });
        $("preset").appendChild(g1); if (other.length) $("preset").appendChild(g2);
        if (url.dataset) $("dataset").value = url.dataset;
        $("preset").value = url.preset || "2025-04-02-liberation-day";
        if (!$("preset").value && dated.length) $("preset").value = dated[0].name;
        if (url.retaliation) $("retaliation").value = url.retaliation;
        if (url.eps) $("eps").value = url.eps;
        if (url.kappa) $("kappa").value = url.kappa;
        if (url.revenue) $("revenue").value = url.revenue;
        return loadPreset($("preset").value, !!url.dataset).then(function () {
          // the countries of the dataset come from a first solve of the starting point
          var focus = (url.focus || "JPN").toUpperCase();
          S.countries = [];
          var base = Object.assign({}, S.base, {data: Object.assign({}, S.base.data, {source: $("dataset").value}), path: null});
          // with figures: a world with sectors says which, before a link's tariffs on one sector are applied
          return api("POST", "/api/solve?figures=" + encodeURIComponent(focus), base)
            .catch(function () { return api("POST", "/api/solve", base); })
            .then(function (doc) {
              S.countries = Object.keys(doc.countries).map(function (c) { return [c, doc.countries[c].name]; })
                .sort(function (a, b) { return a[1].localeCompare(b[1]); });
              S.countries.forEach(function (c) { $("focus").appendChild(el("option", {value: c[0]}, c[1] + " (" + c[0] + ")")); });
              $("focus").value = S.countries.some(function (c) { return c[0] === focus; }) ? focus : S.countries[0][0];
              setSectors(doc.figures ? doc.figures.sectors : null);
              renderTariffTable();
              return run();
            });
        });
      }).catch(function (err) { showError("run", err); });
    $("run").addEventListener("click", run);
    $("pin").addEventListener("click", pin);
    $("unpin").addEventListener("click", unpin);
    $("preset").addEventListener("change", function () { S.overrides = {}; writeUrl(); loadPreset($("preset").value).then(run); });
    $("dataset").addEventListener("change", function () { $("err-dataset").textContent = ""; writeUrl(); });
    $("focus").addEventListener("change", function () { S.overrides = {}; writeUrl(); renderTariffTable(); run(); });
    ["retaliation", "eps", "kappa", "revenue"].forEach(function (k) {
      $(k).addEventListener("change", function () { $("err-" + k).textContent = ""; writeUrl(); });
    });
    $("dl-toml").addEventListener("click", function () { if (S.base) download(scenario().name + ".toml", toml(scenario()), "application/toml"); });
    $("dl-csv").addEventListener("click", function () {
      if (!S.last) return;
      fetch("/api/results/" + S.last.id + "?format=csv", {headers: headers(false)}).then(function (r) { return r.text(); })
        .then(function (t) { download(S.last.doc.scenario + ".csv", t, "text/csv"); });
    });
    $("dl-json").addEventListener("click", function () {
      if (!S.last) return;
      api("GET", "/api/results/" + S.last.id).then(function (d) { download(S.last.doc.scenario + ".json", JSON.stringify(d, null, 1), "application/json"); });
    });
    $("share").addEventListener("click", function () {
      writeUrl();
      var link = location.href;
      if (navigator.clipboard) navigator.clipboard.writeText(link).then(function () { $("status").textContent = "link copied"; },
        function () { $("status").textContent = link; });
      else $("status").textContent = link;
    });
    $("sector").addEventListener("change", function () { writeUrl(); renderTariffTable(); renderSectors(); });
    $("cars-run").addEventListener("click", carsStepByStep);
    $("bloc-run").addEventListener("click", blocGame);
    $("deal-run").addEventListener("click", deal);
  }
  function start() {  /* after the page's catalogue (static/i18n.js), so that the first sentences are translated */
    var ready = window.TW_I18N ? window.TW_I18N.ready : null;
    if (ready) ready.then(init, init); else init();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
