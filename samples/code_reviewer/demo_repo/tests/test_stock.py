import unittest

from inventory.stock import Stock


class StockTest(unittest.TestCase):
    def test_value(self):
        stock = Stock()
        stock.add("pen", 10, 1.5)
        stock.add("pad", 2, 4.0)
        self.assertEqual(stock.value(), 23.0)

    def test_remove_more_than_in_stock(self):
        stock = Stock()
        stock.add("pen", 1, 1.5)
        with self.assertRaises(ValueError):
            stock.remove("pen", 3)

    def test_low(self):
        stock = Stock()
        stock.add("pen", 10, 1.5)
        stock.add("pad", 2, 4.0)
        self.assertEqual(stock.low(), ["pad"])


if __name__ == "__main__":
    unittest.main()
