"""A case's FtM entities as a graph for network tools: GEXF, which Gephi opens, through FtM's own exporter."""

import io

from followthemoney.export.graph import NXGraphExporter


class CaseGraphExporter(NXGraphExporter):
    """FtM's GEXF exporter, writing on each node and edge only the properties it has: FtM's own writes
    every property of its schema, a hundred empty ones on a person, and takes as long again."""

    def get_attributes(self, element):
        return {name: value for name, value in super().get_attributes(element).items() if value}


def as_gexf(entities):
    """The entities as a GEXF document: each thing a node, each tie (and each link an entity makes) an edge."""
    out = io.StringIO()
    exporter = CaseGraphExporter(out)
    for entity in entities:
        exporter.write(entity)
    exporter.finalize()
    return out.getvalue()
