// The co-missing network page: pointing at or focusing a row of the tables (or pointing at a
// point of the drawing) highlights that point's links in the drawing. The drawing itself is hidden
// from assistive technology; the tables carry the same points and links, keyboard-reachable.
(function () {
  var drawing = document.getElementById("network");
  if (!drawing) return;
  function show(ids) {
    drawing.querySelectorAll(".edge").forEach(function (e) {
      var on = ids.indexOf(e.dataset.a) >= 0 || ids.indexOf(e.dataset.b) >= 0;
      e.setAttribute("stroke", on ? "#0b0c0c" : "#d0d2d3");
    });
  }
  drawing.querySelectorAll(".node").forEach(function (node) {
    node.addEventListener("mouseenter", function () { show([node.dataset.id]); });
  });
  document.querySelectorAll("tr[data-id], tr[data-a]").forEach(function (row) {
    var ids = row.dataset.id ? [row.dataset.id] : [row.dataset.a, row.dataset.b];
    row.addEventListener("mouseenter", function () { show(ids); });
    row.addEventListener("focusin", function () { show(ids); });
  });
})();
