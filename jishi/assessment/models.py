"""考核 models."""
