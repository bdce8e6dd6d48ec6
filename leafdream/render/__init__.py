"""Turning scene fields (float32 intensity images) into full-screen colour frames."""
