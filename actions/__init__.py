"""Rasa custom actions: thin adapters from Rasa's action calls to the `bot` package."""
