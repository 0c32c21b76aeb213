"""excolor: concept-anchored representation engineering on a tiny RGB autoencoder."""
