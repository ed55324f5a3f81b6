"""The case's citations as W3C Web Annotations, linked from case.json."""

import json

import pytest
from django.test import Client

from .support import DAILY, confirmed_upload, daily, text_document

pytestmark = pytest.mark.usefixtures("captures_folder")
ANNOTATIONS = "/cases/harbour/annotations.jsonld"


def annotations():
    response = Client().get(ANNOTATIONS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    return json.loads(response.content)


def test_case_json_links_the_annotations(case_file):
    case = json.loads(Client().get("/cases/harbour/case.json").content)
    assert case["case"]["annotations"] == "http://testserver" + ANNOTATIONS


def test_each_citation_is_an_annotation_with_the_fact_as_body_and_our_copy_with_its_selector_as_target(case_file, reporter, editor):
    capture = confirmed_upload(daily(case_file), text_document(DAILY), reporter, editor)

    collection = annotations()

    assert "http://www.w3.org/ns/anno.jsonld" in collection["@context"]
    assert collection["type"] == "AnnotationCollection" and collection["total"] == 2
    by_body = {item["body"]["value"]: item for item in collection["first"]["items"]}
    fact = by_body["The contract was worth 5 million."]
    assert fact["type"] == "Annotation"
    assert fact["body"]["source"] == "http://testserver/cases/harbour/facts/contract-value/"
    target = fact["target"]
    assert target["source"]["sha256"] == capture.sha256
    assert target["paragraph"] == 3
    quote, position = target["selector"]
    assert quote == {"type": "TextQuoteSelector", "exact": "5 million",
                     "prefix": "firmed.\n\nThe contract was worth ", "suffix": " euros, the paper learned.\n\nAna "}
    assert capture.text[position["start"]:position["end"]] == "5 million"
    assert "Contract signed" in by_body


def test_without_a_copy_the_target_is_the_quote_alone(case_file):
    collection = annotations()

    fact = next(item for item in collection["first"]["items"] if item["body"]["value"].startswith("The contract"))
    assert fact["target"]["selector"] == {"type": "TextQuoteSelector", "exact": "5 million"}
    assert "sha256" not in json.dumps(fact["target"])
