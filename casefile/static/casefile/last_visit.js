// "N changes since your last visit": the day of the last visit is kept in this browser's localStorage only,
// so the page the server sends (and its caches keep) is the same for every reader.
(function () {
  "use strict";
  var note = document.getElementById("since-last-visit");
  if (!note || !window.localStorage || !window.fetch) { return; }
  var key = "casefile-last-visit:" + note.dataset.case;
  var today = new Date().toISOString().slice(0, 10);
  var last = null;
  try { last = localStorage.getItem(key); localStorage.setItem(key, today); } catch (error) { return; }
  var updated = note.dataset.updated;
  if (!last || !/^\d{4}-\d{2}-\d{2}$/.test(last) || !updated || updated <= last) { return; }
  var address = note.dataset.changes + "?from=" + last + "&to=" + today;
  fetch(address, {credentials: "omit"}).then(function (response) {
    return response.ok ? response.text() : "";
  }).then(function (html) {
    var found = /data-change-count="(\d+)"/.exec(html);
    var count = found ? Number(found[1]) : 0;
    if (!count) { return; }
    var link = document.createElement("a");
    link.href = address;
    // The page gives the sentence in its own language.
    var sentence = count === 1 ? note.dataset.one : note.dataset.many;
    link.textContent = sentence.replace("{count}", count).replace("{day}", last);
    note.textContent = " · ";
    note.appendChild(link);
    note.hidden = false;
  }).catch(function () {});
}());
