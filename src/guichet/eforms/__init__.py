"""The form engine's declarative core: definitions, field types, conditions, pricing, step forms.

A pure library for now (no models, views or templates): see ``definition`` for the language.
"""
