"""Items in stock and what they are worth."""

import json
import os


class Stock:
    """Quantities and unit prices by item name."""

    def __init__(self):
        self.items = {}

    def add(self, name, quantity, price):
        """Adds `quantity` of `name` at `price` each."""
        current = self.items.get(name, (0, price))
        self.items[name] = (current[0] + quantity, price)

    def remove(self, name, quantity):
        """Takes `quantity` of `name` out of stock."""
        count, price = self.items[name]
        self.items[name] = (count - quantity, price)

    def value(self):
        """Total value of the stock."""
        return sum(count * price for count, price in self.items.values())

    def to_json(self):
        """The stock as JSON text."""
        return json.dumps(self.items)

    def low(self, threshold=5):
        """Names of the items with fewer than `threshold` left."""
        return sorted(name for name, (count, _) in self.items.items() if count < treshold)
