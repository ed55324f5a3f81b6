// Fills the passage of a comment from the words selected in the proposed text of the same field: the last
// cell of its row, or, where a text is shown beside its translations, that language's proposed text.
// Without it, the reviewer types the words; the form works the same.
(function () {
  "use strict";
  var PROPOSED = ".proposed-text, tr.changed-field:not(.translated-field) > td:last-child";
  function cellOf(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    return element ? element.closest(PROPOSED) : null;
  }
  function passageInput(cell) {
    var conversation = cell.closest("tr").nextElementSibling;
    if (!conversation) { return null; }
    var field = cell.getAttribute("data-field");
    var forms = conversation.querySelectorAll("form.comment-form");
    for (var i = 0; i < forms.length; i++) {
      if (!field || forms[i].getAttribute("data-field") === field) {
        return forms[i].querySelector("input.comment-passage");
      }
    }
    return null;
  }
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed) { return; }
    var cell = cellOf(selection.anchorNode);
    if (!cell || cell !== cellOf(selection.focusNode)) { return; }
    var words = selection.toString().replace(/\s+/g, " ").trim();
    var input = passageInput(cell);
    if (!words || !input) { return; }
    input.value = words;
    var details = input.closest("details");
    if (details) { details.open = true; }
  });
})();
