"""The case as a network for Gephi: a GEXF file networkx reads, with the actors and their ties."""

import io

import networkx as nx

from casefile.ftm.export import entity_id
from casefile.models import Actor


def test_the_gexf_opens_in_networkx_with_the_seeded_actors_and_their_ties(client, seeded_case):
    response = client.get("/cases/fuzhou-genesis/entities.gexf")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/gexf+xml")
    graph = nx.read_gexf(io.BytesIO(response.content))
    labels = {graph.nodes[node].get("label") for node in graph.nodes}
    assert {"Xiao Yi", "Lin Qingxing", "Fuzhou Genesis"} <= labels
    # FtM's graph names an entity's node "entity:<its id>".
    xiao, committee = (
        "entity:" + entity_id(seeded_case, "actor", Actor.objects.get(case=seeded_case, slug=slug).pk)
        for slug in ("xiao-yi", "fuzhou-party-committee")
    )
    ties = graph.get_edge_data(xiao, committee)
    assert ties and any(tie["schema"] == "Directorship" and tie["role"] == "held office in" for tie in ties.values())


def test_the_case_page_links_its_ftm_and_gexf_files_beside_case_json(client, case_file):
    page = client.get("/cases/harbour/").content.decode()
    assert 'href="/cases/harbour/case.json"' in page
    assert 'href="/cases/harbour/entities.ftm"' in page and 'href="/cases/harbour/entities.gexf"' in page
