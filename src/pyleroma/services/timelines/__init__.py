"""Timelines and the lists, markers and conversations they are read with."""
