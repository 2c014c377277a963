"""Hot issues (热点问题): messages about the same problem at the same place, grouped as they arrive.

A Django app of its own (label `hotspots`) inside the domain package, so its tables and migrations
live beside its code.
"""
