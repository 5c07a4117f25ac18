"""Tests of live inference: providers, the fake provider, the deck, usage and faults."""
