"""Peers the assistant is measured against in the same run: Rasa's ResponseSelector, a vanilla `rasa init` bot."""
