// The co-missing network page: selecting a point (hover or focus) highlights its links.
document.querySelectorAll("#network .node").forEach(function (node) {
  function show() {
    var id = node.dataset.id;
    document.querySelectorAll("#network .edge").forEach(function (e) {
      var on = e.dataset.a === id || e.dataset.b === id;
      e.setAttribute("stroke", on ? "#0b0c0c" : "#d0d2d3");
    });
  }
  node.addEventListener("mouseenter", show);
  node.addEventListener("focus", show);
});
