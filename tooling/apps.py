from django.apps import AppConfig


class ToolingConfig(AppConfig):
    """Project tooling, not product: the development server with its task worker, the catalogue compiler, the
    console mail backend of development. No models, no URLs; nothing here is imported by the apps."""

    name = "tooling"
