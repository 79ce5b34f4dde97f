"""政务公开 models."""
