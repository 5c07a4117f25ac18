"""The blueprint models, split so that a command builds only the pipe kinds its bundles use.

``base`` holds what every bundle needs; each other module holds one pipe kind's blueprint class (and the models
only that kind uses). Import them through :mod:`pipelex.language.blueprint`.
"""
