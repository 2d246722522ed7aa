"""`shop-analytics dashboard`: live figures and the marts' history in a browser, read-only."""
