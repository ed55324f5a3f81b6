"""Every word the public pages' templates translate has its Chinese translation in locale/."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.templatetags.i18n import BlockTranslateNode, TranslateNode

CHINESE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
TEMPLATES = Path(settings.BASE_DIR) / "casefile" / "templates"
PUBLIC_TEMPLATES = sorted(
    [path.relative_to(TEMPLATES).as_posix() for path in (TEMPLATES / "casefile").glob("*.html")]
    + ["400.html", "404.html", "500.html", "503.html"]
)


def catalog_key(message_context, msgid, plural):
    key = f"{message_context}\x04{msgid}" if message_context else msgid
    return (key, 0) if plural else key


def msgids_of(template_name):
    """The catalog keys the template looks up, as `makemessages` writes them."""
    nodelist = engines["django"].engine.get_template(template_name).nodelist
    keys = []
    for node in nodelist.get_nodes_by_type(TranslateNode):
        context = node.message_context.resolve({}) if node.message_context else None
        keys.append(catalog_key(context, node.filter_expression.var.literal, plural=False))
    for node in nodelist.get_nodes_by_type(BlockTranslateNode):
        context = node.message_context.resolve({}) if node.message_context else None
        keys.append(catalog_key(context, node.render_token_list(node.singular)[0], plural=bool(node.plural)))
    return keys


@pytest.fixture(scope="module")
def compiled_chinese(tmp_path_factory):
    """The Chinese catalog compiled afresh from its .po, and what msgfmt says of it."""
    if shutil.which("msgfmt") is None:
        pytest.fail("msgfmt not found: `make install` installs Debian's gettext")
    compiled = tmp_path_factory.mktemp("locale") / "django.mo"
    checked = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(compiled), str(CHINESE)],
        capture_output=True, text=True, env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    with compiled.open("rb") as catalog:
        return checked, gettext.GNUTranslations(catalog)


def test_the_chinese_catalog_compiles_with_every_entry_translated_and_none_fuzzy(compiled_chinese):
    checked, _ = compiled_chinese
    assert checked.returncode == 0, checked.stderr
    assert "fuzzy" not in checked.stderr and "untranslated" not in checked.stderr, checked.stderr
    assert "#, fuzzy" not in CHINESE.read_text(encoding="utf-8")


@pytest.mark.parametrize("template_name", PUBLIC_TEMPLATES)
def test_every_word_a_public_template_translates_has_its_chinese_translation(compiled_chinese, template_name):
    _, catalog = compiled_chinese
    missing = [key for key in msgids_of(template_name) if not catalog._catalog.get(key)]
    assert not missing, f"{template_name}: run `make messages` and translate in {CHINESE}: {missing}"


def test_the_check_finds_the_words_of_a_template():
    assert "Skip to content" in msgids_of("casefile/base.html")
    assert ("%(counter)s result for <bdi>“%(query)s”</bdi>.", 0) in msgids_of("casefile/search.html")
    assert "full stop\x04." in msgids_of("casefile/corrections.html")
