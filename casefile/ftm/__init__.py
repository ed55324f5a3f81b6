"""FollowTheMoney (FtM), the data model of Aleph, OpenAleph and OpenSanctions: a case out, and drafts in.

- `export`: a case as FtM entities, built with the `followthemoney` model,
  one JSON object a line (`entities.ftm`, `export_case --format ftm`);
- `graph`: the same entities as a GEXF file for Gephi (`entities.gexf`);
- `reading`: an FtM file read into what an import would write, and what it
  leaves out (`import_ftm`, the admin's upload); the writing itself is the
  workflow's (`workflow.drafts`).
"""

# FtM's entity files are JSON, one entity a line; GEXF is XML.
FTM_CONTENT_TYPE = "application/x-ndjson; charset=utf-8"
GEXF_CONTENT_TYPE = "application/gexf+xml; charset=utf-8"
