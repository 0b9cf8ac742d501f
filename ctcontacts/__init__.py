"""ctcontacts: whom to call right now in a 24/7 counter-terrorism contact network."""

__version__ = "0.1.0"
