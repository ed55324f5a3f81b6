// Draws the who-is-tied-to-whom diagram with Cytoscape.js. The list of
// relationships folded beside it stays the text version: without JavaScript,
// or if the library fails to load, the reader still has the same information.
//
// The diagram is laid out on a grid the width of its box, at the size it is
// drawn: names are never shrunk below the page's small text, nothing is
// drawn outside the box, and the same case gives the same picture on every
// visit. Nothing pans or zooms, so a swipe over it scrolls the page.
(function () {
  "use strict";

  var NODE_SIZE = 16;
  var SMALLEST_CELL = 112;
  var GAP = 14;

  // Actors in the order they are placed: each part of the network together,
  // the best-tied first, then outwards from its most tied actor.
  function placingOrder(nodes, edges) {
    var ties = {};
    nodes.forEach(function (node) { ties[node.id] = []; });
    edges.forEach(function (edge) {
      ties[edge.source].push(edge.target);
      ties[edge.target].push(edge.source);
    });
    function rank(a, b) {
      return (ties[b.id].length - ties[a.id].length) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
    }
    var byId = {};
    nodes.forEach(function (node) { byId[node.id] = node; });
    var remaining = nodes.slice().sort(rank);
    var placed = {}, order = [];
    remaining.forEach(function (start) {
      if (placed[start.id]) { return; }
      var queue = [start];
      placed[start.id] = true;
      while (queue.length) {
        var node = queue.shift();
        order.push(node);
        ties[node.id].map(function (id) { return byId[id]; }).sort(rank).forEach(function (next) {
          if (!placed[next.id]) {
            placed[next.id] = true;
            queue.push(next);
          }
        });
      }
    });
    return order;
  }

  // How many lines a name takes when wrapped at `width` pixels.
  function lineCount(context, text, width) {
    var lines = 1, line = "";
    text.split(/\s+/).forEach(function (word) {
      var tried = line ? line + " " + word : word;
      if (line && context.measureText(tried).width > width) {
        lines += 1;
        line = word;
      } else {
        line = tried;
      }
    });
    return lines;
  }

  // {positions, height} of a grid that fills `width` with cells wide enough for the names.
  function gridLayout(order, width, font, fontSize) {
    var columns = Math.max(2, Math.floor(width / SMALLEST_CELL));
    var cell = width / columns;
    var labelWidth = cell - GAP;
    var context = document.createElement("canvas").getContext("2d");
    context.font = font;
    var lineHeight = fontSize * 1.2;
    var positions = {}, top = GAP;
    for (var start = 0; start < order.length; start += columns) {
      var row = order.slice(start, start + columns);
      var lines = Math.max.apply(null, row.map(function (node) {
        return lineCount(context, node.label, labelWidth);
      }));
      row.forEach(function (node, column) {
        positions[node.id] = { x: cell * (column + 0.5), y: top + NODE_SIZE / 2 };
      });
      top += NODE_SIZE + 6 + lines * lineHeight + GAP * 1.5;
    }
    return { positions: positions, height: Math.ceil(top), labelWidth: labelWidth };
  }

  function draw(figure) {
    var dataElement = document.getElementById("relationship-graph-data");
    var container = document.getElementById("relationship-graph");
    var graph = JSON.parse(dataElement.textContent);
    figure.hidden = false;

    // The names are set in the page's small text, the size of the caption.
    var caption = getComputedStyle(figure.querySelector("figcaption"));
    var fontSize = parseFloat(caption.fontSize);
    var fontFamily = caption.fontFamily;
    var order = placingOrder(graph.nodes, graph.edges);
    var layout = gridLayout(order, container.clientWidth, fontSize + "px " + fontFamily, fontSize);
    container.style.height = layout.height + "px";

    var elements = order.map(function (node) {
      return { group: "nodes", data: node, position: layout.positions[node.id] };
    }).concat(graph.edges.map(function (edge) {
      return { group: "edges", data: edge, classes: edge.status ? "status-" + edge.status : "" };
    }));

    // Cytoscape takes every touch that starts on the diagram, even with
    // panning off, and a swipe would no longer scroll the page. Kept from it,
    // a touch scrolls the page; a tap still reaches it as the click that follows.
    ["touchstart", "touchmove", "touchend", "touchcancel"].forEach(function (type) {
      container.addEventListener(type, function (event) { event.stopPropagation(); },
                                 { capture: true, passive: true });
    });

    var cy = window.cytoscape({
      container: container,
      elements: elements,
      layout: { name: "preset", fit: false, padding: 0 },
      zoom: 1,
      pan: { x: 0, y: 0 },
      userPanningEnabled: false,
      userZoomingEnabled: false,
      boxSelectionEnabled: false,
      autoungrabify: true,
      style: [
        { selector: "node", style: {
          "label": "data(label)", "background-color": "#1d4f7a", "color": "#1a1a1a",
          "font-size": fontSize, "font-family": fontFamily, "text-valign": "bottom", "text-margin-y": 4,
          "text-wrap": "wrap", "text-max-width": layout.labelWidth, "width": NODE_SIZE, "height": NODE_SIZE,
          "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 1
        } },
        { selector: "node[kind = 'person']", style: { "shape": "ellipse", "background-color": "#9c3d16" } },
        { selector: "node[kind != 'person']", style: { "shape": "round-rectangle" } },
        { selector: "edge", style: {
          "curve-style": "straight", "target-arrow-shape": "triangle", "arrow-scale": 0.8,
          "width": 1.5, "line-color": "#8a8a8a", "target-arrow-color": "#8a8a8a"
        } },
        // A tie not (yet) confirmed is drawn dashed; one without a status is drawn plain.
        { selector: "edge[status][status != 'confirmed']", style: { "line-style": "dashed" } },
        { selector: "edge[status = 'false']", style: { "line-style": "dotted" } },
        { selector: ".faded", style: { "opacity": 0.15 } },
        { selector: "edge.tie", style: {
          "label": "data(label)", "width": 3, "line-color": "#1d4f7a", "target-arrow-color": "#1d4f7a",
          "font-size": fontSize, "font-family": fontFamily, "color": "#1a1a1a",
          "text-background-color": "#ffffff", "text-background-opacity": 1, "text-background-padding": 2
        } },
        { selector: "node.chosen", style: { "border-width": 3, "border-color": "#f2a900", "font-weight": "bold" } }
      ]
    });

    var chooser = document.getElementById("ties-of");
    var list = document.querySelector(".relationships");
    var listFold = list.closest("details");
    var chosenLink = document.getElementById("ties-of-page");

    // One actor's ties: the others fade in the diagram and leave the list.
    function choose(id) {
      cy.elements().removeClass("faded tie chosen");
      Array.prototype.forEach.call(list.children, function (item) {
        item.hidden = Boolean(id) && item.getAttribute("data-actors").split(" ").indexOf(id) === -1;
      });
      chooser.value = id;
      if (!id) {
        chosenLink.hidden = true;
        return;
      }
      var node = cy.getElementById(id);
      var near = node.closedNeighborhood();
      cy.elements().not(near).addClass("faded");
      node.addClass("chosen");
      node.connectedEdges().addClass("tie");
      // The few ties of one actor are worth unfolding the list for.
      listFold.open = true;
      chosenLink.href = node.data("url");
      chosenLink.textContent = "Open the page of " + node.data("label");
      chosenLink.hidden = false;
    }

    chooser.disabled = false;
    chooser.addEventListener("change", function () { choose(chooser.value); });
    // Read from the click, which a tap on a touch screen also makes, since
    // the touches themselves are kept from Cytoscape.
    container.addEventListener("click", function (event) {
      var box = container.getBoundingClientRect();
      var x = event.clientX - box.left, y = event.clientY - box.top;
      var hit = cy.nodes().filter(function (node) {
        var drawn = node.renderedBoundingBox({ includeLabels: true });
        return x >= drawn.x1 && x <= drawn.x2 && y >= drawn.y1 && y <= drawn.y2;
      })[0];
      if (hit) {
        choose(chooser.value === hit.id() ? "" : hit.id());
      }
    });
    cy.on("tap", "edge", function (event) {
      var target = document.getElementById(event.target.data("url").slice(1));
      listFold.open = true;
      window.location.hash = event.target.data("url");
      if (target) {
        target.hidden = false;
        target.classList.add("highlight");
        target.setAttribute("tabindex", "-1");
        target.focus();
      }
    });

    // The page may still move once everything has loaded; Cytoscape must
    // measure its box again or taps would land beside what they aim at.
    window.addEventListener("load", function () { cy.resize(); });
    // A phone turned on its side gets the grid of its new width.
    var drawnWidth = container.clientWidth;
    window.addEventListener("resize", function () {
      if (container.clientWidth === drawnWidth || container.clientWidth === 0) { return; }
      drawnWidth = container.clientWidth;
      var next = gridLayout(order, drawnWidth, fontSize + "px " + fontFamily, fontSize);
      container.style.height = next.height + "px";
      cy.resize();
      cy.nodes().forEach(function (node) { node.position(next.positions[node.id()]); });
      cy.style().selector("node").style("text-max-width", next.labelWidth).update();
      cy.zoom(1);
      cy.pan({ x: 0, y: 0 });
    });
    return cy;
  }

  function start() {
    var dataElement = document.getElementById("relationship-graph-data");
    var container = document.getElementById("relationship-graph");
    if (!dataElement || !container || typeof window.cytoscape !== "function") {
      return;
    }
    var figure = container.closest("figure");
    var fold = container.closest("details");
    var drawn = false;
    function drawOnce() {
      if (!drawn && fold.open) {
        drawn = true;
        draw(figure);
      }
    }
    // Folded on a phone; the diagram open on a wider screen, its list folded beside it.
    if (window.matchMedia("(min-width: 48rem)").matches) {
      fold.open = true;
    }
    fold.addEventListener("toggle", drawOnce);
    drawOnce();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
