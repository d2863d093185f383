"""The assistant's own package: content, retrieval, safety checks, the web gateway and the command line."""
