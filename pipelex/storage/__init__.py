"""Storage of generated images, extracted pages and normalised inputs: a local content-addressed folder."""
