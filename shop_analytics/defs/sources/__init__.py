"""Sources: clients and sellers (PostgreSQL) and products (Delta), observed where they live."""
