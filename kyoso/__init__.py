"""kyoso (共創): a co-creation platform for Japan's public servants."""

__version__ = "0.1.0"
