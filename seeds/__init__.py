"""Seed data loaded into an empty store: the seed night and the dataset."""
