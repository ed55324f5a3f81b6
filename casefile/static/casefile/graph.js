// Draws the who-is-tied-to-whom diagram with Cytoscape.js. The list of
// relationships beside it stays the text version: without JavaScript, or if
// the library fails to load, the reader still has the same information.
(function () {
  "use strict";

  function draw() {
    var dataElement = document.getElementById("relationship-graph-data");
    var container = document.getElementById("relationship-graph");
    if (!dataElement || !container || typeof window.cytoscape !== "function") {
      return;
    }
    var graph = JSON.parse(dataElement.textContent);
    var figure = container.closest("figure");
    figure.hidden = false;

    var elements = graph.nodes.map(function (node) {
      return { group: "nodes", data: node };
    }).concat(graph.edges.map(function (edge) {
      return { group: "edges", data: edge };
    }));

    var cy = window.cytoscape({
      container: container,
      elements: elements,
      // A circle keeps a small network readable and the same on every visit;
      // a larger one is spread out by a force-directed layout.
      layout: graph.nodes.length <= 12
        ? { name: "circle", animate: false, padding: 40, avoidOverlap: true,
            radius: Math.max(120, graph.nodes.length * 40), startAngle: Math.PI }
        : { name: "cose", animate: false, padding: 24, randomize: true,
            idealEdgeLength: function () { return 140; },
            nodeRepulsion: function () { return 1000000; },
            gravity: 0.5, numIter: 2500 },
      minZoom: 0.3,
      maxZoom: 1.5,
      wheelSensitivity: 0.2,
      userPanningEnabled: true,
      boxSelectionEnabled: false,
      style: [
        { selector: "node", style: {
          "label": "data(label)", "background-color": "#1d4f7a", "color": "#1a1a1a",
          "font-size": 12, "text-valign": "bottom", "text-margin-y": 4,
          "text-wrap": "wrap", "text-max-width": 120, "width": 18, "height": 18
        } },
        { selector: "node[kind = 'person']", style: { "shape": "ellipse", "background-color": "#9c3d16" } },
        { selector: "edge", style: {
          "label": "data(label)", "curve-style": "bezier", "target-arrow-shape": "triangle",
          "width": 2, "line-color": "#6b6b6b", "target-arrow-color": "#6b6b6b",
          "font-size": 10, "color": "#333", "text-rotation": "autorotate",
          "text-background-color": "#ffffff", "text-background-opacity": 1, "text-background-padding": 2
        } },
        { selector: "edge:selected", style: { "line-color": "#1d4f7a", "target-arrow-color": "#1d4f7a", "width": 4 } }
      ]
    });

    // A small network would otherwise be blown up to fill the box.
    cy.fit(undefined, 30);
    if (cy.zoom() > 1.1) {
      cy.zoom(1.1);
      cy.center();
    }

    // The page may still move once everything has loaded; Cytoscape must
    // measure its box again or clicks would land beside what they aim at.
    window.addEventListener("load", function () { cy.resize(); });

    cy.on("tap", "node", function (event) {
      window.location.href = event.target.data("url");
    });
    cy.on("tap", "edge", function (event) {
      var target = document.getElementById(event.target.data("url").slice(1));
      window.location.hash = event.target.data("url");
      if (target) {
        target.classList.add("highlight");
        target.setAttribute("tabindex", "-1");
        target.focus();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
}());
