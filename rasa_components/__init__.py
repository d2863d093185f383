"""Custom Rasa graph components (rasa env only: these modules import rasa).

Kept free of imports so that importing the package does not pull in rasa; Rasa loads
each component by its module path from config.yml.
"""
