/* The language of the page: English (the page's own text), Japanese or Simplified Chinese.

   The language is the URL's ?lang= (en, ja, zh), so a shared link keeps it; the switch in the header reloads
   the page with the new value (the scenario stays in the URL's #fragment). The translations are the gettext
   catalogue of the report and the command line, served by the app as /assets/i18n-<lang>.json (offline).
   Every text node, and every title and aria-label, whose whole text is a message of the catalogue is
   replaced; a MutationObserver does the same for what the page adds later (tables, answers, charts). */
(function () {
  "use strict";
  var LANGS = [["en", "English"], ["ja", "日本語"], ["zh", "中文"]];
  var params = new URLSearchParams(location.search);
  var lang = params.get("lang") || "en";
  if (!LANGS.some(function (l) { return l[0] === lang; })) { lang = "en"; }
  var messages = {}, names = {};
  var ATTRS = ["title", "aria-label"];

  function tr(s) {
    var key = s.replace(/\s+/g, " ").trim();
    var out = messages[key] || names[key];
    if (!out) {  /* "Japan (JPN)", a sortable heading "welfare % ▼" */
      var m = /^(.*?)( \([A-Z0-9]{2,5}\))?( ?[▲▼])?$/.exec(key);
      var inner = m && (m[2] || m[3]) ? (messages[m[1]] || names[m[1]]) : "";
      if (!inner) { return s; }
      out = inner + (m[2] || "") + (m[3] || "");
    }
    return /^\s*/.exec(s)[0] + out + /\s*$/.exec(s)[0];
  }

  function _(s) { return s; }  /* marks a message of this file for the catalogue (tools/i18n.py) */

  /* Texts that the page's script writes whole (statuses, headings, messages next to the controls). */
  var DYNAMIC = [_("queued…"), _("running"), _("done"), _("failed"), _("cancelled"), _("link copied"),
    _("Scenario A kept: change something and press Run to compare."), _("A welfare %"), _("B − A pp"),
    _("The trade elasticity must be a number above 0."), _("The labour-supply elasticity must be 0 or more."),
    _("No car exports to the USA in this world."), _("Choose a focus country other than the USA for the deal."),
    _("cannot reach the tradewar server: is it still running?")];

  function translate(root) {
    if (root.nodeType === 3) {
      var t = tr(root.nodeValue);
      if (t !== root.nodeValue) { root.nodeValue = t; }
      return;
    }
    if (root.nodeType !== 1 || root.nodeName === "SCRIPT" || root.nodeName === "STYLE" || root.nodeName === "CODE") {
      return;
    }
    ATTRS.forEach(function (a) {
      var v = root.getAttribute(a);
      if (v) {
        var t = tr(v);
        if (t !== v) { root.setAttribute(a, t); }
      }
    });
    for (var c = root.firstChild; c; c = c.nextSibling) { translate(c); }
  }

  function addSwitch() {
    var header = document.querySelector("header.top");
    if (!header || document.getElementById("lang")) { return; }
    var box = document.createElement("div");
    box.className = "lang";
    var label = document.createElement("label");
    label.htmlFor = "lang";
    label.textContent = _("Language");
    var sel = document.createElement("select");
    sel.id = "lang";
    LANGS.forEach(function (l) {
      var o = document.createElement("option");
      o.value = l[0];
      o.textContent = l[1];
      o.lang = l[0];
      o.selected = l[0] === lang;
      sel.appendChild(o);
    });
    sel.addEventListener("change", function () {
      var q = new URLSearchParams(location.search);
      if (sel.value === "en") { q.delete("lang"); } else { q.set("lang", sel.value); }
      var s = q.toString();
      location.href = location.pathname + (s ? "?" + s : "") + location.hash;
    });
    box.appendChild(label);
    box.appendChild(sel);
    header.appendChild(box);
  }

  var ready = lang === "en" ? Promise.resolve() : fetch("/assets/i18n-" + lang + ".json")
    .then(function (r) { return r.ok ? r.json() : {}; })
    .then(function (doc) {
      messages = (doc && doc.messages) || {};
      names = (doc && doc.names) || {};
      translate(document.body);
      document.title = tr(document.title);
      new MutationObserver(function (records) {
        records.forEach(function (r) {
          if (r.type === "characterData") { translate(r.target); }
          else if (r.type === "attributes") { translate(r.target); }
          else { r.addedNodes.forEach(translate); }
        });
      }).observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true,
                                 attributeFilter: ATTRS});
      document.body.dataset.lang = lang;
    })
    .catch(function () { document.body.dataset.lang = "en"; });

  /* An ISO date in the language's long form from the browser's CLDR data (2025年4月2日), as the report
     writes it with Babel; English keeps ISO 8601. */
  function date(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (lang === "en" || !m || !window.Intl) { return iso; }
    var fmt = new Intl.DateTimeFormat(lang === "zh" ? "zh-Hans-CN" : lang,
                                      {year: "numeric", month: "long", day: "numeric", timeZone: "UTC"});
    return fmt.format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
  }

  window.TW_I18N = {lang: lang, ready: ready, t: function (s) { return messages[s] || s; },
                    name: function (s) { return names[s] || s; }, date: date};
  document.documentElement.lang = lang === "zh" ? "zh-Hans" : lang;
  function start() {
    addSwitch();
    if (lang === "en") { document.body.dataset.lang = "en"; }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
