// Fills the passage of a comment from the words selected in the proposed text of the same field.
// Without it, the reviewer types the words; the form works the same.
(function () {
  "use strict";
  function cellOf(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    return element ? element.closest("tr.changed-field > td:last-child") : null;
  }
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed) { return; }
    var cell = cellOf(selection.anchorNode);
    if (!cell || cell !== cellOf(selection.focusNode)) { return; }
    var words = selection.toString().replace(/\s+/g, " ").trim();
    var conversation = cell.parentElement.nextElementSibling;
    var input = conversation && conversation.querySelector("input.comment-passage");
    if (!words || !input) { return; }
    input.value = words;
    var details = input.closest("details");
    if (details) { details.open = true; }
  });
})();
