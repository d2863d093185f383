"""The public web front: an aiohttp gateway in front of Rasa, the embeddable chat widget and its pages.

`create_app(settings)` builds the application; `python -m gateway` runs it.
"""
from gateway.app import create_app

__all__ = ["create_app"]
