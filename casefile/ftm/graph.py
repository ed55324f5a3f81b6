"""A case's FtM entities as a graph for network tools: GEXF, which Gephi opens, through FtM's own exporter."""

import io

from followthemoney.export.graph import NXGraphExporter


def as_gexf(entities):
    """The entities as a GEXF document: each thing a node, each tie (and each link an entity makes) an edge."""
    out = io.StringIO()
    exporter = NXGraphExporter(out)
    for entity in entities:
        exporter.write(entity)
    exporter.finalize()
    return out.getvalue()
