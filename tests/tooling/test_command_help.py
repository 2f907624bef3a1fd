"""Every project command explains itself in one language (English, as Django's own commands do)."""

import pytest
from django.core.management import get_commands, load_command_class

PROJECT_APPS = ("organisations", "postings", "applications", "tooling")
FRENCH_MARKERS = (" les ", " des ", " une ", " du ", "é", "è", "à ", "«")
COMMANDS = sorted((name, app) for name, app in get_commands().items() if app in PROJECT_APPS)


@pytest.mark.parametrize(("name", "app"), COMMANDS, ids=[name for name, _app in COMMANDS])
def test_a_commands_help_and_options_are_in_english(name, app):
    command = load_command_class(app, name)
    parser = command.create_parser("manage.py", name)
    texts = [command.help] + [
        action.help for action in parser._actions if action.help and action.dest not in ("help", "version")
    ]
    # Names of demonstration organisations are proper nouns, not French prose.
    texts = [text.replace("(démo)", "").replace("Échanges et Partenariats", "") for text in texts]

    assert command.help
    assert [text for text in texts if any(marker in f" {text} " for marker in FRENCH_MARKERS)] == []
