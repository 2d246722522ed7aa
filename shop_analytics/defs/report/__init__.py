"""Report: the HTML sales report with its charts."""
