"""Generated metadata against Salesforce's own schemas (../shared/schemas, skipped when absent).

metadata-types.xsd is the Metadata API WSDL's schema with one global element per metadata type,
so a source-format file validates with its root element. It types
LightningComponentBundle.targetConfigs as base64Binary, so the setup LWC must not use
targetConfigs (checked below) for the validation to be meaningful.
"""

from __future__ import annotations

import json

import jsonschema
import pytest
from lxml import etree

from generator.new.render import ECA_PROJECT, render
from generator.new.spec import build_spec
from tests.conftest import BASE_VARIANTS

VARIANTS = {
    **BASE_VARIANTS,
    "api-68-namespace": {"api_version": "68.0", "namespace": "acme",
                         "oauth_scopes": "Api, RefreshToken, OpenID"},
    "hostile-text": {"app_label": "A<b>&\"c\" 'd' é✓", "description": "<x> & \"q\" 'a' ü"},
}


def xml_files(files):
    return {path: data for path, data in files.items() if path.endswith(".xml")}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_generated_xml_validates_against_the_metadata_xsd(variant, metadata_schema):
    files = xml_files(render(build_spec(VARIANTS[variant])))
    assert files
    errors = []
    for path, data in files.items():
        doc = etree.fromstring(data)
        if not metadata_schema.validate(etree.ElementTree(doc)):
            errors += [f"{path}:{e.line}: {e.message}" for e in metadata_schema.error_log]
    assert errors == []


def test_setup_lwc_has_no_target_configs():
    for path, data in render(build_spec({})).items():
        if path.endswith(".js-meta.xml"):
            assert b"targetConfigs" not in data, path


@pytest.mark.parametrize("variant", VARIANTS)
def test_sfdx_project_json_validates_against_the_schema(variant, sfdx_project_schema):
    files = render(build_spec(VARIANTS[variant]))
    projects = [p for p in ("sfdx-project.json", f"{ECA_PROJECT}/sfdx-project.json")
                if p in files]
    assert "sfdx-project.json" in projects
    assert f"{ECA_PROJECT}/sfdx-project.json" in projects
    for path in projects:
        jsonschema.validate(json.loads(files[path]), sfdx_project_schema,
                            cls=jsonschema.Draft7Validator)


def test_the_schema_check_catches_a_bad_file(metadata_schema):
    """The XSD is strict (element order, enums): a misordered ECA header fails."""
    bad = (b'<ExternalClientApplication xmlns="http://soap.sforce.com/2006/04/metadata">'
           b"<label>x</label><contactEmail>a@b.co</contactEmail></ExternalClientApplication>")
    assert not metadata_schema.validate(etree.ElementTree(etree.fromstring(bad)))
