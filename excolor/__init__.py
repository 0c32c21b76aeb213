"""excolor: concept-anchored representation engineering on a tiny RGB autoencoder."""

from excolor.train.floating_point import pin as _pin

_pin()  # before anything imports torch: the same seed gives the same bits on any Intel x86-64 CPU with AVX2
