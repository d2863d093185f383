"""Evaluation of the assistant: labelled cases, end-to-end replay, retrieval alone, calibration, peers."""
